package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// buildWorker compiles ./worker into dir, so the benchmark measures the
// binary that ships rather than the packages in-process.
func buildWorker(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "worker")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/vinsight/vinsight/worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build worker: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// workerProcess is the worker binary running as a child of the benchmark.
type workerProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	err     error // the exit status, once exited is closed
}

// startWorker runs bin with exactly env (nothing inherited, so a setting in
// the caller's shell cannot change what is measured), its output going to
// logPath. The child is killed if the benchmark dies.
func startWorker(bin string, env []string, logPath string) (*workerProcess, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	w := &workerProcess{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		w.err = cmd.Wait()
		logFile.Close()
		close(w.exited)
	}()
	return w, nil
}

func (w *workerProcess) pid() int { return w.cmd.Process.Pid }

// waitReady polls /ready until the worker answers 200.
func (w *workerProcess) waitReady(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-w.exited:
			return fmt.Errorf("worker exited during start-up (%v): %s", w.err, w.logTail(5))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("worker not ready within %s: %s", limit, w.logTail(5))
		}
	}
}

// stop sends SIGTERM and waits for the worker to flush and exit; after
// limit it is killed.
func (w *workerProcess) stop(limit time.Duration) error {
	select {
	case <-w.exited:
		return errors.New("worker had already exited")
	default:
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
		if w.err != nil {
			return fmt.Errorf("worker exit: %w: %s", w.err, w.logTail(5))
		}
		return nil
	case <-time.After(limit):
		w.kill()
		return fmt.Errorf("worker did not stop within %s of SIGTERM; killed", limit)
	}
}

// kill ends the worker at once; for error paths.
func (w *workerProcess) kill() {
	select {
	case <-w.exited:
	default:
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
}

// logLines returns the worker's log (LOG_LEVEL=warn: only what went wrong).
func (w *workerProcess) logLines() []string {
	f, err := os.Open(w.logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func (w *workerProcess) logTail(n int) string {
	lines := w.logLines()
	if len(lines) == 0 {
		return "no output"
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
