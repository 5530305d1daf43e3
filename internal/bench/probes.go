package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
)

// The probe-engine benchmark: a fleet of HTTP monitors against loopback targets, measured against the targets set for this machine.
const (
	probeInterval     = 10 * time.Second
	probeTimeout      = 5 * time.Second
	targetPorts       = 8
	monitorsPerTenant = 100
	// warmUp follows the first check: the first interval, when every
	// monitor starts and the schedule settles, is not measured.
	warmUp = probeInterval + 5*time.Second

	targetFleet       = 10_000 // the CPU budgets are stated for this fleet
	targetHeld        = 0.99   // achieved/expected checks per second
	targetLagP99      = 0.250  // seconds, for 99 % of checks
	targetWorkerCPU   = 270e-6 // seconds per check
	targetCombinedCPU = 700e-6 // worker + PostgreSQL, seconds per check
)

// probeOptions configure the probe-engine benchmark.
type probeOptions struct {
	Fleets  []int         // monitors per run
	Measure time.Duration // measured window of each run
	Worker  string        // worker binary; empty builds ./worker
}

// probeRun is what one fleet size measured.
type probeRun struct {
	monitors   int
	window     time.Duration
	before     workerMetrics // scrapes at the start and end of the window
	after      workerMetrics
	workerCPU  float64 // CPU seconds in the window
	workerSys  float64 // the part spent in the kernel
	clusterCPU float64
	benchCPU   float64 // this process: the target servers, mostly
	rssMax     int64
	rowsWindow int64 // check_results rows whose time is in the window

	// Whole run, counted after the worker stopped: every check the worker
	// reported before SIGTERM must have its row, and no row is there twice.
	checksBeforeStop float64
	dropped          float64
	rowsTotal        int64
	duplicates       int64
	logLines         []string
}

func (r probeRun) checks() float64            { return r.after.checks - r.before.checks }
func (r probeRun) rate() float64              { return r.checks() / r.window.Seconds() }
func (r probeRun) expected() float64          { return float64(r.monitors) / probeInterval.Seconds() }
func (r probeRun) lag() histogram             { return r.after.lag.since(r.before.lag) }
func (r probeRun) perCheck(s float64) float64 { return s / r.checks() }
func (r probeRun) combined() float64          { return r.perCheck(r.workerCPU + r.clusterCPU) }

// rowsHeld: no result lost, none written twice, none dropped.
func (r probeRun) rowsHeld() bool {
	return r.dropped == 0 && r.duplicates == 0 && float64(r.rowsTotal) >= r.checksBeforeStop
}

// runProbes starts its own cluster (the write-path databases and their
// autovacuum would blur PostgreSQL's CPU figure) and measures each fleet.
func runProbes(ctx context.Context, opts probeOptions) error {
	started := time.Now()
	dir, err := os.MkdirTemp("", "vinsight-bench-probes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The server runs as another account when we are root: it must reach
	// its directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	bin := opts.Worker
	if bin == "" {
		if bin, err = buildWorker(ctx, dir); err != nil {
			return err
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	tg, err := startTargets(targetPorts, answerOK)
	if err != nil {
		return err
	}
	defer tg.close()
	pg, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), Settings: map[string]string{
		"shared_buffers": "2GB", "max_wal_size": "8GB", "work_mem": "64MB", "maintenance_work_mem": "512MB",
	}})
	if err != nil {
		return err
	}
	defer pg.Stop()
	postmaster, err := postmasterPID(pg.Dir)
	if err != nil {
		return err
	}

	fmt.Printf("\nV-Insight probe-engine benchmark: the worker binary (%s) probing HTTP monitors every %s\n", bin, probeInterval)
	fmt.Printf("(timeout %s) on %d loopback servers answering 200 \"ok\"; %d CPUs, %s; worker settings at their defaults.\n",
		probeTimeout, targetPorts, runtime.NumCPU(), runtime.Version())
	fmt.Printf("Each fleet: %s measured after the first check plus %s of warm-up. CPU from /proc (worker: its pid;\n", opts.Measure, warmUp)
	fmt.Println("PostgreSQL: the postmaster, its children and its reaped children), schedule lag from the worker's /metrics.")
	var runs []probeRun
	for _, n := range opts.Fleets {
		r, err := measureProbes(ctx, pg, postmaster, bin, tg.urls, n, opts.Measure, dir)
		if err != nil {
			return fmt.Errorf("%d monitors: %w", n, err)
		}
		printProbeRun(r)
		runs = append(runs, r)
	}
	printProbeSummary(runs)
	fmt.Printf("\nprobe-engine benchmark took %s\n", time.Since(started).Round(time.Second))
	return nil
}

// measureProbes runs the worker against a fresh database of n monitors and
// measures one window.
func measureProbes(ctx context.Context, pg *pgcluster.Cluster, postmaster int, bin string, urls []string, n int, window time.Duration, dir string) (probeRun, error) {
	r := probeRun{monitors: n}
	db := fmt.Sprintf("probes_%d", n)
	st, err := createStore(ctx, pg, db, store.EnginePostgres)
	if err != nil {
		return r, err
	}
	defer dropDatabase(pg, db)
	defer st.Close()
	t0 := time.Now()
	if err := createFleet(ctx, st, urls, n, monitorsPerTenant, probeInterval, probeTimeout); err != nil {
		return r, fmt.Errorf("create monitors: %w", err)
	}
	fmt.Printf("\n%s monitors (created in %s)\n", thousands(float64(n)), time.Since(t0).Round(100*time.Millisecond))

	port, err := pgcluster.FreePort()
	if err != nil {
		return r, err
	}
	runDir := filepath.Join(dir, db)
	if err := os.MkdirAll(filepath.Join(runDir, "spool"), 0o755); err != nil {
		return r, err
	}
	w, err := startWorker(bin, []string{
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + runDir,
		"DATABASE_URL=" + pg.URL(db),
		"VINSIGHT_STORAGE=postgres",
		"VINSIGHT_BIND_HOST=127.0.0.1",
		"WORKER_PORT=" + strconv.Itoa(port),
		"VINSIGHT_ALLOW_PRIVATE_TARGETS=true",
		"VINSIGHT_SPOOL_DIR=" + filepath.Join(runDir, "spool"),
		"LOG_LEVEL=warn",
	}, filepath.Join(runDir, "worker.log"))
	if err != nil {
		return r, err
	}
	stopped := false
	defer func() {
		if !stopped {
			w.kill()
		}
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := w.waitReady(ctx, base+"/ready", 30*time.Second); err != nil {
		return r, err
	}
	rss := sampleRSS(w.pid())
	defer rss.stop()

	// The first check marks the start of scheduling; the warm-up covers the
	// first interval after it.
	metricsURL := base + "/metrics"
	first := time.Now()
	err = poll(ctx, w, 30*time.Second, 200*time.Millisecond, func() (bool, error) {
		m, err := scrapeWorker(ctx, metricsURL)
		return err == nil && m.checks > 0, nil
	})
	if err != nil {
		return r, fmt.Errorf("waiting for the first check: %w", err)
	}
	fmt.Printf("  first check %s after the worker was ready; warm-up %s, then %s measured\n",
		time.Since(first).Round(100*time.Millisecond), warmUp, window)
	if err := sleep(ctx, w, warmUp); err != nil {
		return r, err
	}

	if r.before, err = scrapeWorker(ctx, metricsURL); err != nil {
		return r, err
	}
	cpu0, err := cpuNow(w.pid(), postmaster)
	if err != nil {
		return r, err
	}
	rss.reset() // the maximum over the window, not the start-up
	if err := sleep(ctx, w, window); err != nil {
		return r, err
	}
	if r.after, err = scrapeWorker(ctx, metricsURL); err != nil {
		return r, err
	}
	cpu1, err := cpuNow(w.pid(), postmaster)
	if err != nil {
		return r, err
	}
	r.window = r.after.at.Sub(r.before.at)
	r.workerCPU, r.workerSys = cpu1.worker.self()-cpu0.worker.self(), cpu1.worker.system-cpu0.worker.system
	r.clusterCPU, r.benchCPU = cpu1.cluster-cpu0.cluster, cpu1.bench-cpu0.bench
	r.rssMax = rss.stop()

	// Rows of the window are counted once the worker has written every
	// result it had at the end of the window.
	err = poll(ctx, w, 30*time.Second, 250*time.Millisecond, func() (bool, error) {
		m, err := scrapeWorker(ctx, metricsURL)
		return err == nil && m.written >= r.after.checks, err
	})
	if err != nil {
		return r, fmt.Errorf("waiting for the window's results to be written: %w", err)
	}
	err = st.Pool().QueryRow(ctx, `SELECT count(*) FROM check_results WHERE time >= $1 AND time < $2`,
		r.before.at, r.after.at).Scan(&r.rowsWindow)
	if err != nil {
		return r, fmt.Errorf("count rows: %w", err)
	}

	last, err := scrapeWorker(ctx, metricsURL)
	if err != nil {
		return r, err
	}
	r.checksBeforeStop, r.dropped = last.checks, last.dropped
	stopped = true
	if err := w.stop(60 * time.Second); err != nil {
		return r, err
	}
	err = st.Pool().QueryRow(ctx, `SELECT count(*), count(*) - count(DISTINCT (monitor_id, time)) FROM check_results`).
		Scan(&r.rowsTotal, &r.duplicates)
	if err != nil {
		return r, fmt.Errorf("count rows: %w", err)
	}
	r.logLines = w.logLines()
	return r, nil
}

// cpuSample is the CPU used so far by the worker, the cluster (seconds)
// and this process (seconds).
type cpuSample struct {
	worker         procTimes
	cluster, bench float64
}

func cpuNow(worker, postmaster int) (cpuSample, error) {
	var c cpuSample
	var err error
	if c.worker, err = readProcTimes(worker); err != nil {
		return c, fmt.Errorf("worker CPU: %w", err)
	}
	if c.cluster, err = clusterCPU(postmaster); err != nil {
		return c, fmt.Errorf("PostgreSQL CPU: %w", err)
	}
	self, err := readProcTimes(os.Getpid())
	if err != nil {
		return c, fmt.Errorf("bench CPU: %w", err)
	}
	c.bench = self.self()
	return c, nil
}

// poll calls done every period until it reports true or an error, limit
// passes, the benchmark is interrupted or the worker dies.
func poll(ctx context.Context, w *workerProcess, limit, period time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s (worker log: %s)", limit, w.logTail(3))
		}
		if err := sleep(ctx, w, period); err != nil {
			return err
		}
	}
}

// sleep waits d unless the benchmark is interrupted or the worker dies.
func sleep(ctx context.Context, w *workerProcess, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-w.exited:
		return fmt.Errorf("worker exited (%v): %s", w.err, w.logTail(5))
	case <-time.After(d):
		return nil
	}
}

// rssSampler records the largest VmRSS of a process, read every second.
type rssSampler struct {
	mu   sync.Mutex
	max  int64
	done chan struct{}
	once sync.Once
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if b, err := residentBytes(pid); err == nil {
				s.mu.Lock()
				s.max = max(s.max, b)
				s.mu.Unlock()
			}
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) reset() {
	s.mu.Lock()
	s.max = 0
	s.mu.Unlock()
}

// stop ends sampling and returns the maximum.
func (s *rssSampler) stop() int64 {
	s.once.Do(func() { close(s.done) })
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

func dropDatabase(pg *pgcluster.Cluster, db string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
}

func printProbeRun(r probeRun) {
	lag := r.lag()
	probe := r.after.probe.since(r.before.probe)
	batches := r.after.batchSize.since(r.before.batchSize)
	batchTime := r.after.batchDuration.since(r.before.batchDuration)
	fmt.Printf("  checks/s        %.1f achieved, %.1f expected (%.1f %%, %s checks in %.1f s, %.0f down)\n",
		r.rate(), r.expected(), 100*r.rate()/r.expected(), thousands(r.checks()), r.window.Seconds(), r.after.checksDown-r.before.checksDown)
	lo50, hi50 := lag.bucketOf(0.5)
	lo99, hi99 := lag.bucketOf(0.99)
	fmt.Printf("  schedule lag    p50 %s (bucket %s–%s), p99 %s (bucket %s–%s); %.2f %% started within 250 ms of plan\n",
		millis(lag.quantile(0.5)), millis(lo50), millis(hi50), millis(lag.quantile(0.99)), millis(lo99), millis(hi99),
		100*lag.fractionAtOrBelow(targetLagP99))
	fmt.Printf("  worker CPU      %.3f s per 1,000 checks = %.0f µs/check, %.0f %% of it in the kernel (%.0f %% of one core)\n",
		1000*r.perCheck(r.workerCPU), 1e6*r.perCheck(r.workerCPU), 100*r.workerSys/r.workerCPU, 100*r.workerCPU/r.window.Seconds())
	fmt.Printf("  worker RSS      %.1f MiB max\n", float64(r.rssMax)/(1<<20))
	fmt.Printf("  PostgreSQL CPU  %.0f µs/check (%.0f %% of one core)\n",
		1e6*r.perCheck(r.clusterCPU), 100*r.clusterCPU/r.window.Seconds())
	fmt.Printf("  worker + PG     %.0f µs/check\n", 1e6*r.combined())
	fmt.Printf("  rows            %s rows with a time in the window, %s checks counted: difference %+.0f\n",
		thousands(float64(r.rowsWindow)), thousands(r.checks()), float64(r.rowsWindow)-r.checks())
	fmt.Printf("                  whole run: %s rows after the worker stopped, %s checks counted before SIGTERM;\n",
		thousands(float64(r.rowsTotal)), thousands(r.checksBeforeStop))
	fmt.Printf("                  %d duplicate rows, %.0f results dropped, %.0f spooled, %.0f failed batch writes\n",
		r.duplicates, r.dropped, r.after.spooled, r.after.ingestErrors)
	fmt.Printf("  also            probe mean %s; %.1f batches/s of %.0f results, %s each; loopback targets (this process) %.0f µs/check\n",
		millis(probe.mean()), batches.count/r.window.Seconds(), batches.mean(), millis(batchTime.mean()), 1e6*r.perCheck(r.benchCPU))
	if len(r.logLines) > 0 {
		fmt.Printf("  worker log      %d lines at warn or above, the last ones:\n", len(r.logLines))
		for _, l := range r.logLines[max(0, len(r.logLines)-3):] {
			fmt.Println("                  " + shorten(l, 200))
		}
	}
}

// printProbeSummary compares each fleet with the targets.
func printProbeSummary(runs []probeRun) {
	fmt.Println("\nTargets (10,000 monitors at 10 s on this 2-core machine):")
	fmt.Printf("%-9s %-26s %-22s %-24s %-20s %-22s\n", "monitors", "checks/s held (≥ 99 %)", "p99 lag < 250 ms",
		"every result written", "worker ≤ 270 µs", "worker+PG ≤ 700 µs")
	for _, r := range runs {
		lag := r.lag()
		// The CPU budgets are per check at 10,000 monitors; a smaller fleet
		// shows its figures for reference.
		cpu := func(v float64, limit float64) string {
			s := fmt.Sprintf("%.0f µs", 1e6*v)
			if r.monitors != targetFleet {
				return s
			}
			return verdict(s, v <= limit)
		}
		fmt.Printf("%-9s %-26s %-22s %-24s %-20s %-22s\n", thousands(float64(r.monitors)),
			verdict(fmt.Sprintf("%.1f/%.0f", r.rate(), r.expected()), r.rate() >= targetHeld*r.expected()),
			verdict(millis(lag.quantile(0.99)), lag.fractionAtOrBelow(targetLagP99) >= 0.99),
			verdict(fmt.Sprintf("%d lost, %d twice", lost(r), r.duplicates), r.rowsHeld()),
			cpu(r.perCheck(r.workerCPU), targetWorkerCPU), cpu(r.combined(), targetCombinedCPU))
	}
}

// lost is how many checks reported before SIGTERM have no row, plus those
// the worker says it dropped.
func lost(r probeRun) int64 {
	missing := max(0, int64(math.Round(r.checksBeforeStop))-r.rowsTotal)
	return missing + int64(r.dropped)
}

func verdict(value string, pass bool) string {
	if pass {
		return value + " PASS"
	}
	return value + " MISS"
}

func millis(seconds float64) string {
	switch {
	case math.IsNaN(seconds):
		return "n/a"
	case math.IsInf(seconds, +1):
		return "+Inf"
	}
	return strconv.FormatFloat(seconds*1000, 'f', 1, 64) + " ms"
}

// thousands formats a count with thousands separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
