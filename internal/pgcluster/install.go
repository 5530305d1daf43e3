package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// BinDir finds the PostgreSQL server binaries: $PG_BINDIR, then the directory
// of a postgres found on PATH, then the newest /usr/lib/postgresql/*/bin.
func BinDir() (string, error) {
	if dir := os.Getenv("PG_BINDIR"); dir != "" {
		return dir, nil
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pgcluster: PostgreSQL server binaries not found (install the postgresql package or set PG_BINDIR)")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// TimescaleInstalled reports whether the TimescaleDB extension is installed
// for the server binaries BinDir finds.
func TimescaleInstalled() bool {
	bin, err := BinDir()
	if err != nil {
		return false
	}
	out, err := exec.Command(filepath.Join(bin, "pg_config"), "--pkglibdir", "--sharedir").Output()
	if err != nil {
		return false
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return false
	}
	_, libErr := os.Stat(filepath.Join(lines[0], "timescaledb.so"))
	_, ctlErr := os.Stat(filepath.Join(lines[1], "extension", "timescaledb.control"))
	return libErr == nil && ctlErr == nil
}

// serverAccount is the OS account the server runs as. PostgreSQL refuses to
// run as root, so root hands the cluster to the postgres system account.
type serverAccount struct {
	uid, gid int
	switchTo bool
}

func serverUser() (serverAccount, error) {
	if os.Geteuid() != 0 {
		return serverAccount{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return serverAccount{}, fmt.Errorf("pgcluster: running as root needs a 'postgres' system account to run the server: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return serverAccount{uid: uid, gid: gid, switchTo: true}, nil
}

func (a serverAccount) sysProcAttr() *syscall.SysProcAttr {
	// Its own process group: a Ctrl-C meant for the caller must not stop the
	// server before the processes that use it.
	attr := &syscall.SysProcAttr{Setpgid: true}
	if a.switchTo {
		attr.Credential = &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
	}
	return attr
}

// reachable fails clearly when the server account could not get to dir
// because a parent directory is closed to other users (initdb would only
// say "permission denied").
func (a serverAccount) reachable(dir string) error {
	if !a.switchTo {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if info.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("pgcluster: the postgres account cannot reach %s because %s is not searchable by other users (chmod o+x %s, or choose a directory elsewhere)", dir, p, p)
		}
		if p == "/" {
			return nil
		}
	}
}

func (a serverAccount) chown(dir string) error {
	if !a.switchTo {
		return nil
	}
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, a.uid, a.gid)
	})
	if err != nil {
		return fmt.Errorf("pgcluster: chown %s: %w", dir, err)
	}
	return nil
}
