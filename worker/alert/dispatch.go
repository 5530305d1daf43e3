// Package alert delivers the notifications the store's outbox holds: it
// claims due deliveries, sends them over their channels with bounded
// concurrency, and records every attempt, retrying with exponential backoff.
// It also runs the alerting jobs (reminders, incidents whose maintenance
// window ended).
package alert

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/store"
)

// Options tune the dispatcher.
type Options struct {
	Concurrency int           // deliveries in flight at once
	Timeout     time.Duration // one attempt
	RetryBase   time.Duration // wait before the second attempt; doubles after each
	RetryMax    time.Duration // longest wait between attempts
	Lease       time.Duration // a claim lapses after this, if its worker died
	Poll        time.Duration // how often due retries are looked for without a wake-up
}

// Dispatcher sends what the outbox holds.
type Dispatcher struct {
	store   *store.Store
	senders notify.Senders
	opts    Options
	log     zerolog.Logger
	metrics *metrics.Worker

	slots    chan struct{}
	inflight sync.WaitGroup
}

// New builds a dispatcher; Run starts it.
func New(st *store.Store, senders notify.Senders, m *metrics.Worker, log zerolog.Logger, opts Options) *Dispatcher {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 32
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 5 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 15 * time.Minute
	}
	if opts.Lease <= 0 {
		// An attempt ends within Timeout; a claim much older than that
		// belongs to a worker that died.
		opts.Lease = max(3*opts.Timeout, opts.Timeout+5*time.Second)
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	return &Dispatcher{store: st, senders: senders, opts: opts, log: log, metrics: m, slots: make(chan struct{}, opts.Concurrency)}
}

// Run delivers until ctx ends, woken by the store when notifications are
// queued and every Poll for retries; then it waits for the attempts in
// flight, which finish with their own timeout and are recorded.
func (d *Dispatcher) Run(ctx context.Context) {
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go d.listen(ctx, signal)
	poll := time.NewTicker(d.opts.Poll)
	defer poll.Stop()
	for {
		d.Drain(ctx)
		select {
		case <-ctx.Done():
			d.inflight.Wait()
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

func (d *Dispatcher) listen(ctx context.Context, wake func()) {
	for ctx.Err() == nil {
		err := d.store.ListenNotifications(ctx, wake, wake)
		if ctx.Err() != nil {
			return
		}
		d.log.Warn().Err(err).Msg("notification wake-ups lost; polling until reconnected")
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// Drain claims and starts due deliveries while there are any and a slot is
// free; it does not wait for them to finish (Wait does).
func (d *Dispatcher) Drain(ctx context.Context) {
	for ctx.Err() == nil {
		d.slots <- struct{}{} // at least one slot before claiming
		free := 1 + cap(d.slots) - len(d.slots)
		list, err := d.store.ClaimDeliveries(ctx, free, d.opts.Lease)
		if err != nil || len(list) == 0 {
			<-d.slots
			if err != nil && ctx.Err() == nil {
				d.log.Error().Err(err).Msg("claiming notifications failed")
			}
			return
		}
		for i, dl := range list {
			if i > 0 {
				d.slots <- struct{}{}
			}
			d.inflight.Add(1)
			go func() {
				defer d.inflight.Done()
				defer func() { <-d.slots }()
				d.deliver(dl)
			}()
		}
	}
}

// Wait blocks until every started delivery is recorded.
func (d *Dispatcher) Wait() { d.inflight.Wait() }

// deliver makes one attempt and records it. Claims outlive a shutdown's
// context on purpose: an attempt under way is finished and recorded.
func (d *Dispatcher) deliver(dl store.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	start := time.Now()
	err := dl.ConfigErr
	if err != nil {
		err = notify.Permanent(err)
	} else {
		err = d.senders.Send(ctx, dl.ChannelType, dl.Config, dl.Notification)
	}
	d.metrics.NotifyDuration.WithLabelValues(string(dl.ChannelType)).Observe(time.Since(start).Seconds())
	var retryAt time.Time
	result := "delivered"
	if err != nil {
		result = "failed"
		if !notify.IsPermanent(err) && dl.Attempt < dl.MaxAttempts {
			retryAt = time.Now().Add(Backoff(d.opts.RetryBase, d.opts.RetryMax, dl.Attempt))
			result = "retry"
		}
		d.log.Warn().Err(err).Str("tenant_id", dl.TenantID.String()).Str("channel_id", dl.ChannelID.String()).
			Str("event_id", dl.EventID.String()).Int("attempt", dl.Attempt).Str("result", result).Msg("notification not delivered")
	}
	d.metrics.Notifications.WithLabelValues(string(dl.ChannelType), result).Inc()
	recordCtx, cancelRecord := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelRecord()
	if err := d.store.FinishDelivery(recordCtx, dl, err, retryAt); err != nil {
		d.log.Error().Err(err).Str("event_id", dl.EventID.String()).Msg("delivery outcome not recorded; it is tried again when its claim lapses")
	}
}

// Backoff is the wait after attempt n (from 1): base, 2×base, 4×base, ...
// at most ceiling, each ±20 % so that retries of many deliveries spread.
func Backoff(base, ceiling time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Jobs is the scheduled alerting job: reminders that are due, and incidents
// whose maintenance window ended while their monitor is still failing.
func Jobs(ctx context.Context, st *store.Store, now time.Time, log zerolog.Logger) {
	if n, err := st.QueueReminders(ctx, now); err != nil && ctx.Err() == nil {
		log.Error().Err(err).Msg("queueing reminders failed")
	} else if n > 0 {
		log.Info().Int("incidents", n).Msg("reminders queued")
	}
	if n, err := st.EndMaintenance(ctx, now); err != nil && ctx.Err() == nil {
		log.Error().Err(err).Msg("ending maintenance failed")
	} else if n > 0 {
		log.Info().Int("incidents", n).Msg("incidents announced after their maintenance window")
	}
}
