// Command backend serves the V-Insight REST API. It migrates the schema on
// start-up, so it is the first process to start against a new database.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/backend/api"
	dashboards "github.com/vinsight/vinsight/grafana"
	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/grafana"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "backend:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	log := cfg.Logger("backend")
	log.Info().Interface("config", cfg.Effective()).Msg("starting")

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(ctx, cfg.DatabaseURL, store.ConfigOptions(cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	log.Info().Str("storage", string(st.Engine())).Msg("storage engine selected")
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if err := st.MaintainPartitions(ctx, time.Now()); err != nil {
		return err
	}
	schema, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	log.Info().Uint("schema_version", schema.Version).Msg("schema current")

	prov, err := provisioner(cfg, st, log)
	if err != nil {
		return err
	}
	if prov != nil {
		go prov.Run(ctx, cfg.GrafanaReconcileInterval)
		log.Info().Str("grafana_url", cfg.GrafanaURL).Msg("provisioning tenants' Grafana organizations")
	}

	srv := &http.Server{
		Addr: net.JoinHostPort(cfg.BindHost, strconv.Itoa(cfg.BackendPort)),
		Handler: api.New(api.Deps{Store: st, Config: cfg, Log: log, Registry: metrics.NewRegistry(),
			Grafana: prov}).Router(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.ListenAndServe() }()
	log.Info().Str("addr", srv.Addr).Msg("listening")

	select {
	case err := <-errCh:
		return err
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}

// provisioner builds the Grafana provisioner when GRAFANA_URL is set, else nil.
func provisioner(cfg config.Config, st *store.Store, log zerolog.Logger) (*grafana.Provisioner, error) {
	if cfg.GrafanaURL == "" {
		return nil, nil
	}
	tenant, err := fs.Sub(dashboards.TenantDashboards, "tenant")
	if err != nil {
		return nil, err
	}
	return grafana.NewProvisioner(st, grafana.NewClient(cfg.GrafanaURL, cfg.GrafanaAdminUser, cfg.GrafanaAdminPassword),
		grafana.Options{PromURL: cfg.GrafanaPromURL, Dashboards: tenant}, log)
}
