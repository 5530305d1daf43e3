// Command devstack is `make run`: a private PostgreSQL under .data/ (unless
// DATABASE_URL is set), migrations, a demo tenant, then backend, worker and
// frontend as child processes. Ctrl-C stops everything it started.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vinsight/vinsight/internal/config"
)

func main() {
	var opts options
	flag.StringVar(&opts.backendBin, "backend", "bin/backend", "backend binary")
	flag.StringVar(&opts.workerBin, "worker", "bin/worker", "worker binary")
	flag.StringVar(&opts.frontendDir, "frontend", "frontend", "frontend directory (with build/)")
	flag.Parse()
	opts.fromEnv()
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

type options struct {
	backendBin, workerBin, frontendDir string
	dataDir                            string
	databaseURL                        string
	pgPort                             int
	backendPort, workerPort            int
	frontendPort                       int
}

func (o *options) fromEnv() {
	o.dataDir = envOr("VINSIGHT_DATA_DIR", ".data")
	o.databaseURL = os.Getenv("DATABASE_URL")
	o.pgPort = envInt("VINSIGHT_PG_PORT", 0)
	o.backendPort = envInt("BACKEND_PORT", 8080)
	o.workerPort = envInt("WORKER_PORT", 8081)
	o.frontendPort = envInt("FRONTEND_PORT", 3000)
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	dataDir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return err
	}
	if err := checkPortsFree(o); err != nil {
		return err
	}

	dbURL := o.databaseURL
	if dbURL == "" {
		pg, url, err := startDatabase(ctx, filepath.Join(dataDir, "postgres"), o.pgPort)
		if err != nil {
			return err
		}
		defer func() {
			say("stopping PostgreSQL")
			if err := pg.Stop(); err != nil {
				say("%v", err)
			}
		}()
		dbURL = url
	}
	if err := prepareDatabase(ctx, dbURL); err != nil {
		return err
	}
	secret, err := secretKey(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return err
	}

	procs := &processes{}
	defer procs.stopAll()
	common := []string{"DATABASE_URL=" + dbURL, "VINSIGHT_SECRET_KEY=" + secret,
		"VINSIGHT_SPOOL_DIR=" + filepath.Join(dataDir, "spool"),
		"VINSIGHT_ALLOW_PRIVATE_TARGETS=true", "LOG_LEVEL=" + envOr("LOG_LEVEL", "info")}
	steps := []struct {
		name    string
		cmd     []string
		env     []string
		readyAt string
	}{
		{"backend", []string{o.backendBin}, append(common, fmt.Sprintf("BACKEND_PORT=%d", o.backendPort)),
			fmt.Sprintf("http://127.0.0.1:%d/ready", o.backendPort)},
		{"worker", []string{o.workerBin}, append(common, fmt.Sprintf("WORKER_PORT=%d", o.workerPort)),
			fmt.Sprintf("http://127.0.0.1:%d/ready", o.workerPort)},
		{"frontend", []string{"node", filepath.Join(o.frontendDir, "build")}, []string{
			fmt.Sprintf("PORT=%d", o.frontendPort), "HOST=0.0.0.0",
			fmt.Sprintf("BACKEND_URL=http://127.0.0.1:%d", o.backendPort),
			fmt.Sprintf("ORIGIN=http://localhost:%d", o.frontendPort)},
			fmt.Sprintf("http://127.0.0.1:%d/", o.frontendPort)},
	}
	for _, s := range steps {
		p, err := procs.start(s.name, s.cmd, s.env)
		if err != nil {
			return err
		}
		if err := waitHTTP(ctx, s.readyAt, p, 60*time.Second); err != nil {
			return fmt.Errorf("%s did not become ready: %w", s.name, err)
		}
		say("%s ready", s.name)
	}

	fmt.Printf(`
  V-Insight is running.

    open      http://localhost:%d
    login     %s / %s
    API       http://localhost:%d/api/v1  (also through the frontend at /api/v1)
    worker    http://localhost:%d/metrics
    database  %s

  Ctrl-C stops everything.

`, o.frontendPort, demoEmail, demoPassword, o.backendPort, o.workerPort, config.RedactURL(dbURL))

	select {
	case <-ctx.Done():
		say("stopping")
	case name := <-procs.exited():
		return fmt.Errorf("%s exited; stopping the rest", name)
	}
	return nil
}

func say(format string, args ...any) {
	fmt.Printf("[make run] "+format+"\n", args...)
}
