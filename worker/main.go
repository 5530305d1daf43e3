// Command worker probes monitors on schedule and writes the results. It never
// migrates: it refuses to start on a schema that is not current.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/ingest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	log := cfg.Logger("worker").With().Str("region", cfg.Region).Logger()
	log.Info().Interface("config", cfg.Effective()).Msg("starting")

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(ctx, cfg.DatabaseURL, store.ConfigOptions(cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	schema, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	if err := schema.Err(); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	log.Info().Str("storage", string(st.Engine())).Uint("schema_version", schema.Version).Msg("storage engine selected")

	reg := metrics.NewRegistry()
	buffer := ingest.New(st, ingest.Options{
		BatchSize: cfg.IngestBatchSize, FlushInterval: cfg.IngestFlushInterval, Capacity: cfg.IngestBufferCapacity,
	}, log, metrics.NewWorker(reg))
	ingestCtx, stopIngest := context.WithCancel(context.Background())
	defer stopIngest()
	go buffer.Run(ingestCtx)

	sched, err := gocron.NewScheduler()
	if err != nil {
		return err
	}
	jobs := []struct {
		every time.Duration
		run   func()
	}{
		{time.Hour, func() { maintainPartitions(ctx, st, log) }},
		{30 * time.Second, func() { materializeRollups(ctx, st, log) }},
	}
	for _, j := range jobs {
		_, err = sched.NewJob(gocron.DurationJob(j.every), gocron.NewTask(j.run),
			gocron.WithStartAt(gocron.WithStartImmediately()),
			gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			return err
		}
	}
	sched.Start()

	srv := &http.Server{
		Addr:              net.JoinHostPort(cfg.BindHost, strconv.Itoa(cfg.WorkerPort)),
		Handler:           opsHandler(st, reg, log),
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
	log.Info().Msg("shutting down: stopping jobs and flushing results")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := sched.Shutdown(); err != nil {
		log.Warn().Err(err).Msg("scheduler shutdown")
	}
	if err := buffer.Close(shutdownCtx); err != nil {
		stopIngest()
		log.Error().Err(err).Msg("results not flushed before the shutdown timeout")
	}
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}

// maintainPartitions is the scheduled partition job: ahead-creation and
// retention on the plain engine, nothing on TimescaleDB.
func maintainPartitions(ctx context.Context, st *store.Store, log zerolog.Logger) {
	if err := st.MaintainPartitions(ctx, time.Now()); err != nil {
		log.Error().Err(err).Msg("partition maintenance failed")
		return
	}
	log.Debug().Msg("partition maintenance done")
}

// materializeRollups is the scheduled rollup job (plain engine; TimescaleDB
// runs its own refresh policies). Several workers may run it: the store
// serialises them.
func materializeRollups(ctx context.Context, st *store.Store, log zerolog.Logger) {
	if err := st.MaterializeRollups(ctx, time.Now()); err != nil {
		log.Error().Err(err).Msg("rollup materialization failed")
	}
}
