package ingest

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

const (
	// attemptTimeout bounds one write, so a database that hangs instead of
	// refusing is retried like one that is down.
	attemptTimeout = 30 * time.Second
	firstBackoff   = 100 * time.Millisecond
	maxBackoff     = 5 * time.Second
	// batchIDRetention is how long written batch ids are remembered: a batch
	// read again later (a spool file whose removal failed, left by a worker
	// that stayed down longer) would be written again.
	batchIDRetention = 7 * 24 * time.Hour
	pruneEvery       = time.Hour
)

// batch is one unit of writing. file is set when it came from the spool.
type batch struct {
	id      uuid.UUID
	results []model.CheckResult
	file    *spoolFile
}

// Run writes batches until Close has been called and everything held is
// written, or until ctx ends: then what is still only in memory moves to
// the spool, for the next start to write.
func (b *Buffer) Run(ctx context.Context) {
	defer close(b.done)
	defer context.AfterFunc(ctx, b.abort)()
	ticker := time.NewTicker(b.opts.FlushInterval)
	defer ticker.Stop()
	var lastPrune time.Time
	flush := false
	for {
		for {
			next, ok := b.next(flush)
			if !ok {
				break
			}
			if !b.write(next) {
				b.spillAll(next)
				return
			}
			if time.Since(lastPrune) >= pruneEvery {
				lastPrune = time.Now()
				b.prune()
			}
		}
		flush = false
		if b.drained() {
			return
		}
		select {
		case <-b.wake:
		case <-ticker.C:
			flush = true
		case <-b.abortCtx.Done():
			b.spillAll(nil)
			return
		}
	}
}

// next picks the oldest batch due: a spool file first (older than anything
// in memory), then a full batch from memory, or a partial one when flushing
// or closing.
func (b *Buffer) next(flush bool) (*batch, bool) {
	for {
		f, ok := b.spool.oldest()
		if !ok {
			break
		}
		results, err := b.spool.read(f)
		if err == nil {
			return &batch{id: f.batchID, results: results, file: &f}, true
		}
		if errors.Is(err, fs.ErrNotExist) { // another worker sharing the directory wrote it
			b.spool.forget(f)
		} else {
			b.metrics.IngestSetAside.Inc()
			b.log.Error().Err(errors.Join(err, b.spool.setAside(f))).Str("file", f.name).Str("spool_dir", b.opts.SpoolDir).
				Msg("unreadable spool file moved to the rejected directory")
		}
		b.showSpoolDepth()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.mem) == 0 || (len(b.mem) < b.opts.BatchSize && !flush && !b.closed) {
		return nil, false
	}
	results := b.take(b.opts.BatchSize)
	b.showQueueDepth()
	return &batch{id: uuid.New(), results: results}, true
}

// drained reports that Close was called and nothing is held any more.
func (b *Buffer) drained() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, _ := b.spool.depth()
	return b.closed && len(b.mem) == 0 && b.inHand == 0 && n == 0
}

// write retries one batch until it is written or set aside; false when the
// buffer was aborted first.
func (b *Buffer) write(bt *batch) bool {
	backoff := firstBackoff
	for failures := 0; ; failures++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(b.abortCtx, attemptTimeout)
		written, err := b.w.WriteBatch(ctx, bt.id, bt.results)
		cancel()
		switch {
		case err == nil:
			if failures > 0 {
				b.held(b.log.Info()).Int("failed_attempts", failures).Msg("database takes writes again; writing the held results")
			}
			b.written(bt, written, time.Since(start))
			return true
		case b.abortCtx.Err() != nil:
			return false
		case refused(err):
			b.setAside(bt, err)
			return true
		}
		b.metrics.IngestErrors.Inc()
		b.held(b.log.Warn()).Err(err).Int("results", len(bt.results)).Dur("retry_in", backoff).
			Msg("batch write failed; holding results and retrying")
		select {
		case <-b.abortCtx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// refused: the database will never take this batch, so retrying would hold
// up every batch behind it. Submit's checks make this rare.
func refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, errs.ErrValidation) ||
		(errors.As(err, &pgErr) && len(pgErr.Code) == 5 && pgErr.Code[:2] == "22") // data exception
}

func (b *Buffer) written(bt *batch, written bool, took time.Duration) {
	if written {
		b.metrics.IngestBatchDuration.Observe(took.Seconds())
		b.metrics.IngestBatchSize.Observe(float64(len(bt.results)))
		b.metrics.IngestWritten.Add(float64(len(bt.results)))
	} else {
		b.log.Info().Str("batch_id", bt.id.String()).Int("results", len(bt.results)).
			Msg("batch had already been written; not writing it again")
	}
	b.release(bt)
}

// release lets go of a batch that is written or set aside.
func (b *Buffer) release(bt *batch) {
	if bt.file != nil {
		if err := b.spool.remove(*bt.file); err != nil {
			b.log.Error().Err(err).Msg("written spool file not removed; its batch id keeps it from being written twice")
		}
		b.showSpoolDepth()
		return
	}
	b.mu.Lock()
	b.inHand -= len(bt.results)
	b.showQueueDepth()
	b.mu.Unlock()
}

// setAside keeps a refused batch on disk for an operator, out of the way.
func (b *Buffer) setAside(bt *batch, why error) {
	b.metrics.IngestSetAside.Inc()
	var err error
	if bt.file != nil {
		err = b.spool.setAside(*bt.file)
		b.showSpoolDepth()
	} else {
		err = b.spool.reject(bt.id, bt.results)
		b.release(bt)
	}
	if err != nil {
		b.drop(len(bt.results), err)
	}
	b.log.Error().Err(why).Str("batch_id", bt.id.String()).Int("results", len(bt.results)).Str("spool_dir", b.opts.SpoolDir).
		Msg("database refused a batch; moved to the spool's rejected directory")
}

// spillAll moves what is only in memory, and the batch in hand, to the
// spool when the buffer is aborted, and stops Submit.
func (b *Buffer) spillAll(inHand *batch) {
	b.spillMu.Lock()
	defer b.spillMu.Unlock()
	b.mu.Lock()
	b.closed = true
	rest := b.mem
	b.mem = nil
	b.mu.Unlock()
	var batches []*batch
	if inHand != nil && inHand.file == nil { // a spool file is on disk already
		batches = append(batches, inHand)
	}
	for len(rest) > 0 {
		n := min(b.opts.BatchSize, len(rest))
		batches = append(batches, &batch{id: uuid.New(), results: rest[:n]})
		rest = rest[n:]
	}
	spooled := 0
	for _, bt := range batches {
		// The batch in hand keeps its id: its last write may have landed.
		if err := b.toSpool(bt.id, bt.results); err != nil {
			b.drop(len(bt.results), err)
		} else {
			spooled += len(bt.results)
		}
	}
	b.mu.Lock()
	b.inHand = 0
	b.showQueueDepth()
	b.mu.Unlock()
	if spooled > 0 {
		b.log.Warn().Int("results", spooled).Str("spool_dir", b.opts.SpoolDir).
			Msg("stopped before the database took every result; the rest is in the spool for the next start")
	}
}

// prune forgets old batch ids; a failure only delays it to the next round.
func (b *Buffer) prune() {
	ctx, cancel := context.WithTimeout(b.abortCtx, attemptTimeout)
	defer cancel()
	if _, err := b.w.PruneIngestBatches(ctx, time.Now().Add(-batchIDRetention)); err != nil {
		b.log.Warn().Err(err).Msg("pruning written batch ids failed")
	}
}

// held adds what the buffer holds to a log event.
func (b *Buffer) held(e *zerolog.Event) *zerolog.Event {
	b.mu.Lock()
	memory := len(b.mem) + b.inHand
	b.mu.Unlock()
	n, size := b.spool.depth()
	return e.Int("memory_results", memory).Int("spool_results", n).Int64("spool_bytes", size)
}
