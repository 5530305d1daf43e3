package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// processes are the children started so far, stopped in reverse order.
type processes struct {
	mu     sync.Mutex
	list   []*process
	exitCh chan string
}

type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

func (ps *processes) exited() <-chan string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.exitCh == nil {
		ps.exitCh = make(chan string, 8)
	}
	return ps.exitCh
}

// start runs a child whose output is prefixed with its name. The child gets
// SIGTERM if this process dies, so nothing outlives `make run`.
func (ps *processes) start(name string, argv, env []string) (*process, error) {
	ps.exited()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go prefixLines(name, out)
	go func() {
		_ = cmd.Wait()
		close(p.done)
		ps.exitCh <- name
	}()
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
	say("started %s (pid %d)", name, cmd.Process.Pid)
	return p, nil
}

func prefixLines(name string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fmt.Printf("%-8s | %s\n", name, sc.Text())
	}
}

// stopAll sends SIGTERM to each child, newest first, and waits for it; a
// child that ignores it for 20 s is killed.
func (ps *processes) stopAll() {
	ps.mu.Lock()
	list := ps.list
	ps.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		p := list[i]
		select {
		case <-p.done:
			continue
		default:
		}
		say("stopping %s", p.name)
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
}

// waitHTTP polls url until it answers 200, the process exits or time runs out.
func waitHTTP(ctx context.Context, url string, p *process, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no 200 from %s within %s", url, limit)
		}
	}
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// checkPortsFree fails early, naming the variable that moves a busy port.
func checkPortsFree(o options) error {
	for _, p := range []struct {
		env  string
		port int
	}{{"BACKEND_PORT", o.backendPort}, {"WORKER_PORT", o.workerPort}, {"FRONTEND_PORT", o.frontendPort}} {
		if !portFree(p.port) {
			return fmt.Errorf("port %d is in use; stop what holds it or set %s to another port", p.port, p.env)
		}
	}
	return nil
}
