package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// targets are the loopback HTTP servers the monitors probe, all with one
// handler.
type targets struct {
	urls    []string // base URLs, one per port
	servers []*http.Server
	wg      sync.WaitGroup
}

// answerOK answers 200 "ok" at once on every path.
var answerOK = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ok"))
})

func startTargets(ports int, h http.Handler) (*targets, error) {
	t := &targets{}
	for range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.close()
			return nil, fmt.Errorf("target server: %w", err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		t.urls = append(t.urls, "http://"+l.Addr().String())
		t.servers = append(t.servers, srv)
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				fmt.Println("target server:", err)
			}
		}()
	}
	return t, nil
}

func (t *targets) close() {
	for _, srv := range t.servers {
		_ = srv.Close()
	}
	t.wg.Wait()
}

// createFleet creates n HTTP monitors in tenants of perTenant monitors each,
// spread over the targets' ports and a few paths. Specs go through the API's
// validation, so every default is the one a user gets; only the minimum
// interval is lowered (the store accepts any interval, 30 s is an API rule).
func createFleet(ctx context.Context, st *store.Store, urls []string, n, perTenant int, interval, timeout time.Duration) error {
	tenants := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 { // a few creators at once: 10,000 monitors are 10,000 transactions
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tenants {
				if err := createTenantMonitors(ctx, st, urls, t, t*perTenant, min(n, (t+1)*perTenant), interval, timeout); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	for t := 0; t*perTenant < n; t++ {
		select {
		case tenants <- t:
		case err := <-errs:
			close(tenants)
			return err
		case <-ctx.Done():
			close(tenants)
			return ctx.Err()
		}
	}
	close(tenants)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// createTenantMonitors creates tenant t and monitors [from, to) in it.
func createTenantMonitors(ctx context.Context, st *store.Store, urls []string, t, from, to int, interval, timeout time.Duration) error {
	email := fmt.Sprintf("bench-%d@example.com", t)
	tenantID, userID, err := st.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: fmt.Sprintf("bench tenant %d", t),
		Email: email, Name: fmt.Sprintf("bench %d", t), PasswordHash: "x"})
	if err != nil {
		return err
	}
	actor := auth.Actor{Type: "user", ID: userID, Name: email}
	for i := from; i < to; i++ {
		in := model.MonitorInput{Name: fmt.Sprintf("bench monitor %d", i), Type: model.TypeHTTP,
			Target:          fmt.Sprintf("%s/health/%d", urls[i%len(urls)], i%4),
			IntervalSeconds: int(interval / time.Second), TimeoutSeconds: int(timeout / time.Second)}
		spec, err := in.Validate(model.MonitorRules{MinIntervalSeconds: 1})
		if err != nil {
			return fmt.Errorf("monitor spec: %w", err)
		}
		if _, err := st.CreateMonitor(ctx, tenantID, actor, spec, 0); err != nil {
			return err
		}
	}
	return nil
}
