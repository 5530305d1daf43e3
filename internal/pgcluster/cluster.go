// Package pgcluster runs a private PostgreSQL cluster from the machine's
// server binaries: the development stack and the tests use it so that neither
// needs Docker, a system service or any configuration.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options says where the cluster lives and how it runs.
type Options struct {
	// Dir holds the data directory (Dir/data), the socket and the log.
	Dir string
	// Port to listen on at 127.0.0.1; 0 picks a free one.
	Port int
	// Durable keeps fsync on. Tests and benchmarks turn it off for speed.
	Durable bool
	// Settings are extra postgres -c options.
	Settings map[string]string
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	Port      int
	Dir       string
	Timescale bool // the timescaledb library is preloaded
	cmd       *exec.Cmd
	exited    chan struct{}
}

// Start initialises the data directory when it is new and starts the server,
// returning once it accepts connections. The server is a child process that
// gets SIGQUIT if the caller dies, so a crashed test leaves nothing running.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	if err := owner.reachable(dir); err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := initdb(ctx, bin, dataDir, owner); err != nil {
			return nil, err
		}
	}
	if err := owner.chown(dir); err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	timescale := TimescaleInstalled()
	args := []string{"-D", dataDir, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"}
	if timescale {
		args = append(args, "-c", "shared_preload_libraries=timescaledb", "-c", "timescaledb.telemetry_level=off")
	}
	if !opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for k, v := range opts.Settings {
		args = append(args, "-c", k+"="+v)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = owner.sysProcAttr()
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("pgcluster: start postgres: %w", err)
	}
	c := &Cluster{Port: port, Dir: dir, Timescale: timescale, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); logFile.Close(); close(c.exited) }()
	if err := c.waitReady(ctx); err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("%w (log: %s)", err, filepath.Join(dir, "postgres.log"))
	}
	return c, nil
}

// URL is a connection string for database db as the superuser.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Stop shuts the server down (fast mode: open sessions are ended).
func (c *Cluster) Stop() error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return errors.New("pgcluster: postgres did not stop within 30s; killed")
	}
}

// Done is closed when the server process has exited.
func (c *Cluster) Done() <-chan struct{} { return c.exited }

func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.exited:
			return errors.New("pgcluster: postgres exited during start-up")
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: postgres not ready: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func initdb(ctx context.Context, bin, dataDir string, owner serverAccount) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := owner.chown(filepath.Dir(dataDir)); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dataDir, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = owner.sysProcAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgcluster: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
