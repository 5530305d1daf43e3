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
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/alert"
	"github.com/vinsight/vinsight/worker/ingest"
	"github.com/vinsight/vinsight/worker/probe"
	"github.com/vinsight/vinsight/worker/schedule"
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
	wm := metrics.NewWorker(reg)
	buffer, err := ingest.New(st, ingest.Options{
		BatchSize: cfg.IngestBatchSize, FlushInterval: cfg.IngestFlushInterval, Capacity: cfg.IngestBufferCapacity,
		SpoolDir: cfg.SpoolDir, SpoolMaxBytes: int64(cfg.SpoolMaxBytes),
	}, log, wm)
	if err != nil {
		return err
	}
	ingestCtx, stopIngest := context.WithCancel(context.Background())
	defer stopIngest()
	go buffer.Run(ingestCtx)

	prober := probe.New(probe.Options{AllowPrivate: cfg.AllowPrivateTargets, Region: cfg.Region})
	monitors, err := schedule.New(st, prober.Probe, buffer.Submit, wm, log, schedule.Options{
		Region: cfg.Region, Concurrency: cfg.ProbeConcurrency,
		Sharing: schedule.Sharing{WorkerID: uuid.New()},
	})
	if err != nil {
		return err
	}
	probeCtx, stopProbing := context.WithCancel(context.Background())
	defer stopProbing()
	probing := make(chan error, 1)
	go func() { probing <- monitors.Run(probeCtx) }()

	senders, err := alert.Senders(alert.SenderOptions{AllowPrivate: cfg.AllowPrivateTargets, SMTPURL: cfg.SMTPURL, Timeout: cfg.NotifyTimeout})
	if err != nil {
		return err
	}
	dispatcher := alert.New(st, senders, wm, log, alert.Options{Concurrency: cfg.NotifyConcurrency, Timeout: cfg.NotifyTimeout,
		RetryBase: cfg.NotifyRetryBase})
	dispatchCtx, stopDispatch := context.WithCancel(context.Background())
	defer stopDispatch()
	dispatching := make(chan struct{})
	go func() { dispatcher.Run(dispatchCtx); close(dispatching) }()

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
		{10 * time.Second, func() { schedule.JudgeHeartbeats(ctx, st, cfg.Region, time.Now(), log) }},
		{15 * time.Second, func() { alert.Jobs(ctx, st, time.Now(), log) }},
		{time.Minute, func() { purgeTenants(ctx, st, log) }},
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
	stopProbing() // running probes finish and hand in their results
	if err := <-probing; err != nil {
		log.Warn().Err(err).Msg("monitor scheduler shutdown")
	}
	if err := sched.Shutdown(); err != nil {
		log.Warn().Err(err).Msg("scheduler shutdown")
	}
	if err := buffer.Close(shutdownCtx); err != nil {
		log.Warn().Err(err).Msg("results not all written before the shutdown timeout")
	}
	stopDispatch() // deliveries under way finish and are recorded
	select {
	case <-dispatching:
	case <-shutdownCtx.Done():
		log.Warn().Msg("notifications still in flight at the shutdown timeout; their claims lapse and they are sent again")
	}
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}

// maintainPartitions is the scheduled maintenance job: on the plain engine
// partitions ahead and retention of raw rows and rollups; on TimescaleDB the
// retention policies brought in line with the configuration.
func maintainPartitions(ctx context.Context, st *store.Store, log zerolog.Logger) {
	if err := st.MaintainPartitions(ctx, time.Now()); err != nil && ctx.Err() == nil {
		log.Error().Err(err).Msg("partition maintenance failed")
		return
	}
	log.Debug().Msg("partition maintenance done")
}

// materializeRollups is the scheduled rollup job (plain engine; TimescaleDB
// runs its own refresh policies). Several workers may run it: the store
// serialises them.
func materializeRollups(ctx context.Context, st *store.Store, log zerolog.Logger) {
	if err := st.MaterializeRollups(ctx, time.Now()); err != nil && ctx.Err() == nil {
		log.Error().Err(err).Msg("rollup materialization failed")
	}
}

// purgeBudget bounds one run of the tenant purge; the job runs every minute
// and the next run goes on where this one stopped.
const purgeBudget = 45 * time.Second

// purgeTenants is the scheduled purge of deleted tenants' rows. Several
// workers may run it: one at a time purges, the others skip.
func purgeTenants(ctx context.Context, st *store.Store, log zerolog.Logger) {
	start := time.Now()
	rep, err := st.PurgeDeletedTenants(ctx, start, purgeBudget)
	if err != nil && ctx.Err() == nil {
		log.Error().Err(err).Int64("rows", rep.Rows).Msg("tenant purge failed")
		return
	}
	if rep.Rows == 0 && len(rep.Removed) == 0 {
		return
	}
	for _, id := range rep.Removed {
		log.Info().Str("tenant_id", id.String()).Msg("deleted tenant purged")
	}
	log.Info().Int64("rows", rep.Rows).Int("pending", rep.Pending).Dur("duration", time.Since(start)).Msg("tenant purge run")
}
