// Package ingest buffers probe results and writes them to the store in
// batches: by size, or every flush interval, whichever comes first.
package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
)

// Writer is the store's batch path.
type Writer interface {
	WriteResults(ctx context.Context, results []model.CheckResult) error
}

// Options sizes the buffer.
type Options struct {
	BatchSize     int
	FlushInterval time.Duration
	Capacity      int // results held before Submit blocks
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("ingest: buffer closed")

// Buffer is a bounded queue in front of the store's batch path. A failed
// batch is kept and retried with backoff, never dropped.
type Buffer struct {
	w       Writer
	opts    Options
	log     zerolog.Logger
	metrics *metrics.Worker

	mu     sync.RWMutex
	closed bool
	in     chan model.CheckResult
	done   chan struct{}
}

// New returns a buffer; call Run to start writing.
func New(w Writer, opts Options, log zerolog.Logger, m *metrics.Worker) *Buffer {
	return &Buffer{w: w, opts: opts, log: log, metrics: m,
		in: make(chan model.CheckResult, opts.Capacity), done: make(chan struct{})}
}

// Submit queues one result, waiting while the buffer is full.
func (b *Buffer) Submit(ctx context.Context, r model.CheckResult) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	select {
	case b.in <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run writes batches until Close has been called and everything queued is
// written, or until ctx ends (then what is left is reported as lost).
func (b *Buffer) Run(ctx context.Context) {
	defer close(b.done)
	ticker := time.NewTicker(b.opts.FlushInterval)
	defer ticker.Stop()
	batch := make([]model.CheckResult, 0, b.opts.BatchSize)
	flush := func() {
		if len(batch) > 0 {
			b.write(ctx, batch)
			batch = batch[:0]
		}
		b.metrics.IngestQueueDepth.Set(float64(len(b.in)))
	}
	for {
		select {
		case r, ok := <-b.in:
			if !ok {
				flush()
				return
			}
			batch = append(batch, r)
			if len(batch) >= b.opts.BatchSize {
				flush()
			}
		case <-ticker.C:
			flush()
		case <-ctx.Done():
			lost := len(batch) + len(b.in)
			if lost > 0 {
				b.log.Error().Int("results", lost).Msg("ingest stopped before writing every result")
			}
			return
		}
	}
}

// write retries one batch until it lands or ctx ends.
func (b *Buffer) write(ctx context.Context, batch []model.CheckResult) {
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := b.w.WriteResults(ctx, batch)
		if err == nil {
			b.metrics.IngestBatchDuration.Observe(time.Since(start).Seconds())
			b.metrics.IngestBatchSize.Observe(float64(len(batch)))
			b.metrics.IngestWritten.Add(float64(len(batch)))
			return
		}
		b.metrics.IngestErrors.Inc()
		b.log.Warn().Err(err).Int("results", len(batch)).Dur("retry_in", backoff).Msg("batch write failed; retrying")
		select {
		case <-ctx.Done():
			b.log.Error().Int("results", len(batch)).Msg("gave up writing a batch at shutdown")
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// Close stops accepting results and waits until every queued result is
// written or ctx ends.
func (b *Buffer) Close(ctx context.Context) error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
