// Package ingest buffers probe results and writes them to the store in
// batches: by size, or every flush interval, whichever comes first.
//
// While the database is slow or away, results are held: up to Capacity in
// memory, the older ones beyond that in an on-disk spool, all written oldest
// first when it answers again. Each batch carries an id that the store
// records with its rows, so a batch retried after an unknown outcome, or
// read again from the spool after a crash, is written once.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
)

// Writer is the store's idempotent batch path.
type Writer interface {
	// WriteBatch writes results at most once per batchID and reports
	// whether it wrote them now.
	WriteBatch(ctx context.Context, batchID uuid.UUID, results []model.CheckResult) (bool, error)
	// PruneIngestBatches forgets batch ids written before cutoff.
	PruneIngestBatches(ctx context.Context, cutoff time.Time) (int64, error)
}

// Options sizes the buffer.
type Options struct {
	BatchSize     int
	FlushInterval time.Duration
	Capacity      int    // results held in memory; beyond it the oldest move to the spool
	SpoolDir      string // one directory per database
	SpoolMaxBytes int64  // beyond it, with memory full too, results are dropped
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("ingest: buffer closed")

// Buffer is a bounded queue in front of the store's batch path. A failed
// batch is kept and retried with backoff; Submit never waits for the
// database.
type Buffer struct {
	w       Writer
	opts    Options
	log     zerolog.Logger
	dropLog zerolog.Logger // sampled: a full disk must not flood the log
	metrics *metrics.Worker
	spool   *spool

	mu     sync.Mutex
	mem    []model.CheckResult // oldest first
	inHand int                 // taken from mem, not yet written or spooled
	closed bool

	spillMu sync.Mutex // one spill at a time, so they keep their order

	wake     chan struct{}
	abortCtx context.Context
	abort    context.CancelFunc
	done     chan struct{}
}

// New opens the spool and returns a buffer; call Run to start writing. A
// spool left by an earlier run is written first.
func New(w Writer, opts Options, log zerolog.Logger, m *metrics.Worker) (*Buffer, error) {
	if opts.BatchSize < 1 || opts.Capacity < 1 || opts.FlushInterval <= 0 || opts.SpoolDir == "" || opts.SpoolMaxBytes < 1 {
		return nil, fmt.Errorf("ingest.New: invalid options %+v", opts)
	}
	sp, problems, err := openSpool(opts.SpoolDir, opts.SpoolMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("ingest.New: %w", err)
	}
	b := &Buffer{w: w, opts: opts, log: log, metrics: m, spool: sp,
		dropLog: log.Sample(&zerolog.BurstSampler{Burst: 1, Period: 10 * time.Second}),
		wake:    make(chan struct{}, 1), done: make(chan struct{})}
	b.abortCtx, b.abort = context.WithCancel(context.Background())
	for _, p := range problems {
		m.IngestSetAside.Inc()
		log.Error().Err(p).Str("spool_dir", opts.SpoolDir).Msg("unreadable spool file moved to the rejected directory")
	}
	if n, size := sp.depth(); n > 0 {
		log.Info().Int("results", n).Int64("bytes", size).Str("spool_dir", opts.SpoolDir).
			Msg("spool holds results from an earlier run; writing them first")
	}
	b.showSpoolDepth()
	return b, nil
}

// Submit queues one result. It never waits for the database: when memory
// is full, the oldest batch in memory moves to the spool, and only when the
// spool is full as well is the result dropped (counted and logged). ctx is
// unused; Submit matches the scheduler's hand-off signature.
func (b *Buffer) Submit(_ context.Context, r model.CheckResult) error {
	if err := validate(r); err != nil {
		return fmt.Errorf("ingest.Submit: %w", err)
	}
	scrub(&r)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	if len(b.mem) < b.opts.Capacity {
		b.mem = append(b.mem, r)
		due := len(b.mem) >= b.opts.BatchSize
		b.showQueueDepth()
		b.mu.Unlock()
		if due {
			b.signal()
		}
		return nil
	}
	b.mu.Unlock()
	return b.overflow(r)
}

// overflow makes room for r by moving the oldest batch in memory to the
// spool, again if other Submits filled the room while it was written.
func (b *Buffer) overflow(r model.CheckResult) error {
	b.spillMu.Lock()
	defer b.spillMu.Unlock()
	defer b.signal() // a Close waiting for this spill may finish now
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return ErrClosed
		}
		if len(b.mem) < b.opts.Capacity {
			b.mem = append(b.mem, r)
			b.showQueueDepth()
			b.mu.Unlock()
			return nil
		}
		if err := b.spool.wouldRefuse(b.opts.BatchSize); err != nil { // spare taking a batch out and back
			b.drop(1, err)
			b.mu.Unlock()
			return nil
		}
		oldest := b.take(b.opts.BatchSize)
		b.mu.Unlock()

		err := b.toSpool(uuid.New(), oldest)
		b.mu.Lock()
		b.inHand -= len(oldest)
		if err != nil {
			b.mem = slices.Concat(oldest, b.mem) // still the oldest: back in front
			if len(b.mem) >= b.opts.Capacity {
				b.drop(1, err)
				b.showQueueDepth()
				b.mu.Unlock()
				return nil
			}
		}
		b.mu.Unlock()
	}
}

// take removes up to n of the oldest results from memory; the caller holds
// mu and must later give back inHand.
func (b *Buffer) take(n int) []model.CheckResult {
	n = min(n, len(b.mem))
	out := slices.Clone(b.mem[:n])
	b.mem = b.mem[n:]
	b.inHand += n
	return out
}

// toSpool writes one batch to the spool.
func (b *Buffer) toSpool(id uuid.UUID, results []model.CheckResult) error {
	err := b.spool.write(id, results)
	if err == nil {
		b.metrics.IngestSpooled.Add(float64(len(results)))
	}
	b.showSpoolDepth()
	return err
}

// drop counts and reports results lost because memory and spool are full
// (or the spool cannot be written).
func (b *Buffer) drop(n int, why error) {
	b.metrics.IngestDropped.Add(float64(n))
	held, size := b.spool.depth()
	b.dropLog.Error().Err(why).Int("results", n).Int("spool_results", held).Int64("spool_bytes", size).
		Int64("spool_max_bytes", b.opts.SpoolMaxBytes).Msg("memory and spool full: results dropped (see vinsight_ingest_dropped_total)")
}

// Close stops accepting results and waits until everything held, in memory
// and in the spool, is written. When ctx ends first, what is still only in
// memory moves to the spool for the next start, and the error says so.
// Call it after Run has started.
func (b *Buffer) Close(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.signal()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
	}
	b.abort()
	<-b.done
	held, _ := b.spool.depth()
	return fmt.Errorf("ingest: close: %w: %d results left in the spool for the next start", ctx.Err(), held)
}

// signal wakes the writer without waiting.
func (b *Buffer) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// showQueueDepth publishes the results held in memory; the caller holds mu.
func (b *Buffer) showQueueDepth() {
	b.metrics.IngestQueueDepth.Set(float64(len(b.mem) + b.inHand))
}

func (b *Buffer) showSpoolDepth() {
	n, size := b.spool.depth()
	b.metrics.IngestSpoolResults.Set(float64(n))
	b.metrics.IngestSpoolBytes.Set(float64(size))
}
