package store

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/model"
)

// The incident state machine runs inside RecordMonitorStates, under the
// lock of each monitor row, so workers take turns per monitor and the
// outbox rows are committed with the change they announce:
//
//   - no open incident, monitor failing (down, or degraded when the monitor
//     alerts on degraded): open one with the cause and the first error, and
//     announce it, unless a maintenance window covers the monitor (then it
//     is marked in maintenance and notifies no one) or the monitor is
//     flapping (its flapLimit-th incident within flapWindow: one "flapping"
//     notification, and the incident stays open until the monitor has been
//     healthy for flapQuiet);
//   - open incident, monitor healthy: count healthy checks in a row;
//     recovery_checks of them resolve it, and the recovery notification
//     carries the outage's duration (only when the opening was announced);
//   - open incident, monitor failing again: the count starts over.
const (
	flapWindow = 30 * time.Minute
	flapLimit  = 3
	flapQuiet  = 10 * time.Minute
)

// certThresholds are the days before expiry at which a certificate is
// warned about, once each.
var certThresholds = []int{30, 14, 7, 1}

// judgedColumns are what the state machine needs of a monitor (alias m).
const judgedColumns = `m.id, m.tenant_id, m.status, m.name, m.type, m.target, m.tags,
	coalesce((m.config->>'recovery_checks')::int, 0), coalesce((m.config->>'alert_on_degraded')::boolean, false),
	coalesce((m.config->>'reminder_minutes')::int, 0)`

// judgedMonitor is a monitor whose status was just derived.
type judgedMonitor struct {
	id, tenantID    uuid.UUID
	status          model.MonitorStatus
	name, target    string
	typ             model.MonitorType
	tags            []string
	recoveryChecks  int
	alertOnDegraded bool
	reminderMinutes int
}

func scanJudged(r pgx.CollectableRow) (judgedMonitor, error) {
	var j judgedMonitor
	err := r.Scan(&j.id, &j.tenantID, &j.status, &j.name, &j.typ, &j.target, &j.tags, &j.recoveryChecks, &j.alertOnDegraded, &j.reminderMinutes)
	return j, err
}

func (j judgedMonitor) failing() bool {
	return j.status == model.StatusDown || (j.status == model.StatusDegraded && j.alertOnDegraded)
}

func (j judgedMonitor) notice() model.NotificationMonitor {
	return model.NotificationMonitor{ID: j.id, Name: j.name, Type: j.typ, Target: j.target}
}

// openIncident is the state machine's view of an open incident.
type openIncident struct {
	id                    uuid.UUID
	startedAt             time.Time
	cause, errorKind, err string
	flapping, notified    bool
	healthyChecks         int
	healthySince          *time.Time
}

// timelineRow is an incident event to insert.
type timelineRow struct {
	tenantID, incidentID uuid.UUID
	at                   time.Time
	kind, message        string
	details              map[string]any
}

// outboxRow is a notification to write, with the incident it is about.
type outboxRow struct {
	tenantID   uuid.UUID
	monitorID  *uuid.UUID
	incidentID *uuid.UUID
	channelID  *uuid.UUID // only this channel (tests); nil: the monitor's channels and the defaults
	n          model.Notification
}

// judge applies the state machine to the monitors just judged.
func (s *Store) judge(ctx context.Context, tx pgx.Tx, judged []judgedMonitor, states []MonitorState) error {
	if len(judged) == 0 {
		return nil
	}
	// Per monitor: the newest check time, and the error of a failed check
	// when the batch has one.
	latest := map[uuid.UUID]MonitorState{}
	for _, st := range states {
		cur, seen := latest[st.MonitorID]
		if !seen {
			latest[st.MonitorID] = st
			continue
		}
		if st.CheckedAt.After(cur.CheckedAt) {
			cur.CheckedAt = st.CheckedAt
		}
		if cur.Message == "" && st.Message != "" {
			cur.Message, cur.ErrorKind = st.Message, st.ErrorKind
		}
		latest[st.MonitorID] = cur
	}
	ids := make([]uuid.UUID, len(judged))
	for i, j := range judged {
		ids[i] = j.id
	}
	open, err := openIncidents(ctx, tx, ids)
	if err != nil {
		return err
	}
	var opening []judgedMonitor
	w := &alertWrites{}
	for _, j := range judged {
		at := latest[j.id].CheckedAt
		inc, isOpen := open[j.id]
		switch {
		case !isOpen && j.failing():
			opening = append(opening, j)
		case isOpen && j.failing() && inc.healthyChecks > 0:
			w.streak(inc.id, 0, nil)
			w.event(j.tenantID, inc.id, at, model.EventFailing, fmt.Sprintf("%s again: %s", j.status, latest[j.id].Message), nil)
		case isOpen && !j.failing() && j.status != model.StatusPending:
			s.recover(w, j, inc, at)
		}
	}
	if err := s.open(ctx, tx, w, opening, latest); err != nil {
		return err
	}
	if err := w.flush(ctx, tx, s.opts.NotifyMaxAttempts); err != nil {
		return err
	}
	return s.warnCertificates(ctx, tx, judged, states)
}

// recover counts one healthy check of an open incident and resolves it
// when enough came in a row.
func (s *Store) recover(w *alertWrites, j judgedMonitor, inc openIncident, at time.Time) {
	healthy := inc.healthyChecks + 1
	since := inc.healthySince
	if since == nil {
		since = &at
		if max(j.recoveryChecks, 1) > 1 || inc.flapping {
			w.event(j.tenantID, inc.id, at, model.EventRecovering, fmt.Sprintf("%s again; waiting for it to stay healthy", j.status), nil)
		}
	}
	done := healthy >= max(j.recoveryChecks, 1) && (!inc.flapping || at.Sub(*since) >= flapQuiet)
	if !done {
		w.streak(inc.id, healthy, since)
		return
	}
	resolvedAt := at
	if resolvedAt.Before(inc.startedAt) {
		resolvedAt = inc.startedAt
	}
	w.resolve(inc.id, resolvedAt)
	d := resolvedAt.Sub(inc.startedAt)
	w.event(j.tenantID, inc.id, resolvedAt, model.EventResolved, "resolved after "+model.HumanDuration(d), map[string]any{"duration_seconds": int64(d.Seconds())})
	if inc.notified {
		mid, iid := j.id, inc.id
		n := model.IncidentNotification(model.NotifyResolved, j.notice(), model.NotificationIncident{ID: inc.id, StartedAt: inc.startedAt.UTC(),
			ResolvedAt: ptr(resolvedAt.UTC()), Cause: inc.cause, Error: inc.err, DurationSeconds: int64(math.Round(d.Seconds()))}, resolvedAt)
		w.notify(outboxRow{tenantID: j.tenantID, monitorID: &mid, incidentID: &iid, n: n})
	}
}

// open starts incidents for failing monitors that have none.
func (s *Store) open(ctx context.Context, tx pgx.Tx, w *alertWrites, opening []judgedMonitor, latest map[uuid.UUID]MonitorState) error {
	if len(opening) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(opening))
	tenants := make([]uuid.UUID, 0, len(opening))
	var newest time.Time
	for i, j := range opening {
		ids[i] = j.id
		tenants = append(tenants, j.tenantID)
		if at := latest[j.id].CheckedAt; at.After(newest) {
			newest = at
		}
	}
	recent, err := recentIncidents(ctx, tx, ids, newest.Add(-flapWindow))
	if err != nil {
		return err
	}
	windows, err := maintenanceOf(ctx, tx, tenants)
	if err != nil {
		return err
	}
	for _, j := range opening {
		st := latest[j.id]
		cause := "down"
		if j.status == model.StatusDegraded {
			cause = "degraded"
		}
		msg := st.Message
		if msg == "" {
			msg = fmt.Sprintf("%s in the regions that check it", j.status)
		}
		inc := incidentRow{id: uuid.New(), tenantID: j.tenantID, monitorID: j.id, startedAt: st.CheckedAt, cause: cause,
			errorKind: st.ErrorKind, firstError: msg}
		inc.inMaintenance = inMaintenance(windows[j.tenantID], j.id, j.tags, st.CheckedAt)
		inc.flapping = !inc.inMaintenance && recent[j.id]+1 >= flapLimit
		inc.notified = !inc.inMaintenance
		if inc.notified && !inc.flapping && j.reminderMinutes > 0 {
			next := st.CheckedAt.Add(time.Duration(j.reminderMinutes) * time.Minute)
			inc.nextReminder = &next
		}
		w.incidents = append(w.incidents, inc)
		w.event(j.tenantID, inc.id, st.CheckedAt, model.EventOpened, fmt.Sprintf("%s: %s", cause, msg),
			map[string]any{"error_kind": st.ErrorKind})
		kind := model.NotifyOpened
		switch {
		case inc.inMaintenance:
			w.event(j.tenantID, inc.id, st.CheckedAt, model.EventMaintenance, "in a maintenance window: no one is notified", nil)
			continue
		case inc.flapping:
			kind = model.NotifyFlapping
			w.event(j.tenantID, inc.id, st.CheckedAt, model.EventFlapping,
				fmt.Sprintf("incident %d within %s: reported as flapping, not alerted on every change", recent[j.id]+1, flapWindow), nil)
		}
		mid, iid := j.id, inc.id
		w.notify(outboxRow{tenantID: j.tenantID, monitorID: &mid, incidentID: &iid,
			n: model.IncidentNotification(kind, j.notice(), model.NotificationIncident{ID: inc.id, StartedAt: st.CheckedAt.UTC(),
				Cause: cause, Error: msg}, st.CheckedAt)})
	}
	return nil
}

func openIncidents(ctx context.Context, tx pgx.Tx, monitorIDs []uuid.UUID) (map[uuid.UUID]openIncident, error) {
	rows, err := tx.Query(ctx, `SELECT monitor_id, id, started_at, cause, error_kind, first_error, flapping, notified,
			healthy_checks, healthy_since
		FROM incidents WHERE monitor_id = ANY($1) AND resolved_at IS NULL`, monitorIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uuid.UUID]openIncident{}
	for rows.Next() {
		var mid uuid.UUID
		var o openIncident
		if err := rows.Scan(&mid, &o.id, &o.startedAt, &o.cause, &o.errorKind, &o.err, &o.flapping, &o.notified,
			&o.healthyChecks, &o.healthySince); err != nil {
			return nil, err
		}
		out[mid] = o
	}
	return out, rows.Err()
}

// recentIncidents counts each monitor's incidents started since.
func recentIncidents(ctx context.Context, tx pgx.Tx, monitorIDs []uuid.UUID, since time.Time) (map[uuid.UUID]int, error) {
	rows, err := tx.Query(ctx, `SELECT monitor_id, count(*) FROM incidents
		WHERE monitor_id = ANY($1) AND started_at > $2 GROUP BY monitor_id`, monitorIDs, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uuid.UUID]int{}
	for rows.Next() {
		var id uuid.UUID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// incidentRow is a new incident.
type incidentRow struct {
	id, tenantID, monitorID           uuid.UUID
	startedAt                         time.Time
	cause, errorKind, firstError      string
	flapping, inMaintenance, notified bool
	nextReminder                      *time.Time
}

// alertWrites collects what one run of the state machine writes, so that
// it takes a few statements whatever the number of monitors.
type alertWrites struct {
	incidents []incidentRow
	timeline  []timelineRow
	outbox    []outboxRow
	batch     pgx.Batch // updates of open incidents
}

func (w *alertWrites) event(tenantID, incidentID uuid.UUID, at time.Time, kind, message string, details map[string]any) {
	w.timeline = append(w.timeline, timelineRow{tenantID: tenantID, incidentID: incidentID, at: at, kind: kind, message: message, details: details})
}

func (w *alertWrites) notify(o outboxRow) { w.outbox = append(w.outbox, o) }

func (w *alertWrites) streak(id uuid.UUID, healthy int, since *time.Time) {
	w.batch.Queue(`UPDATE incidents SET healthy_checks = $2, healthy_since = $3 WHERE id = $1`, id, healthy, since)
}

func (w *alertWrites) resolve(id uuid.UUID, at time.Time) {
	w.batch.Queue(`UPDATE incidents SET resolved_at = $2, healthy_checks = healthy_checks + 1, next_reminder_at = NULL
		WHERE id = $1 AND resolved_at IS NULL`, id, at)
}

// flush writes the new incidents (keeping only those the one-open-incident
// index let in), the updates, the timeline and the outbox.
func (w *alertWrites) flush(ctx context.Context, tx pgx.Tx, maxAttempts int) error {
	if len(w.incidents) > 0 {
		n := len(w.incidents)
		ids, tenants, monitors := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
		started, reminders := make([]time.Time, n), make([]*time.Time, n)
		causes, kinds, errors := make([]string, n), make([]string, n), make([]string, n)
		flapping, maint, notified := make([]bool, n), make([]bool, n), make([]bool, n)
		for i, r := range w.incidents {
			ids[i], tenants[i], monitors[i], started[i], reminders[i] = r.id, r.tenantID, r.monitorID, r.startedAt, r.nextReminder
			causes[i], kinds[i], errors[i] = r.cause, r.errorKind, truncate(r.firstError, 2000)
			flapping[i], maint[i], notified[i] = r.flapping, r.inMaintenance, r.notified
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO incidents (id, tenant_id, monitor_id, started_at, cause, error_kind, first_error, flapping, in_maintenance,
			                       notified, next_reminder_at)
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
			                     $8::boolean[], $9::boolean[], $10::boolean[], $11::timestamptz[])
			ON CONFLICT (monitor_id) WHERE resolved_at IS NULL DO NOTHING
			RETURNING id`, ids, tenants, monitors, started, causes, kinds, errors, flapping, maint, notified, reminders)
		if err != nil {
			return err
		}
		inserted, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		if len(inserted) < n {
			w.dropIncidentsNotIn(inserted)
		}
	}
	if w.batch.Len() > 0 {
		if err := tx.SendBatch(ctx, &w.batch).Close(); err != nil {
			return err
		}
	}
	if err := insertTimeline(ctx, tx, w.timeline); err != nil {
		return err
	}
	return writeOutbox(ctx, tx, w.outbox, maxAttempts)
}

// dropIncidentsNotIn forgets the events and notifications of incidents that
// were not inserted (another transaction opened the monitor's incident).
func (w *alertWrites) dropIncidentsNotIn(inserted []uuid.UUID) {
	ok := map[uuid.UUID]bool{}
	for _, id := range inserted {
		ok[id] = true
	}
	fresh := map[uuid.UUID]bool{}
	for _, r := range w.incidents {
		fresh[r.id] = true
	}
	keep := func(id uuid.UUID) bool { return !fresh[id] || ok[id] }
	tl := w.timeline[:0]
	for _, e := range w.timeline {
		if keep(e.incidentID) {
			tl = append(tl, e)
		}
	}
	w.timeline = tl
	ob := w.outbox[:0]
	for _, o := range w.outbox {
		if o.incidentID == nil || keep(*o.incidentID) {
			ob = append(ob, o)
		}
	}
	w.outbox = ob
}

func insertTimeline(ctx context.Context, tx pgx.Tx, rows []timelineRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	tenants, incidents, at := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]time.Time, n)
	kinds, messages, details := make([]string, n), make([]string, n), make([]map[string]any, n)
	for i, r := range rows {
		tenants[i], incidents[i], at[i], kinds[i], messages[i] = r.tenantID, r.incidentID, r.at, r.kind, truncate(r.message, 4000)
		details[i] = r.details
		if details[i] == nil {
			details[i] = map[string]any{}
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO incident_events (tenant_id, incident_id, at, kind, message, details)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[])`,
		tenants, incidents, at, kinds, messages, details)
	return err
}

// warnCertificates sends each certificate's expiry warnings once: at 30,
// 14, 7 and 1 days left. A certificate first seen with 5 days left gets
// the 7-day warning alone (the 30 and 14 are marked as passed).
func (s *Store) warnCertificates(ctx context.Context, tx pgx.Tx, judged []judgedMonitor, states []MonitorState) error {
	byID := make(map[uuid.UUID]judgedMonitor, len(judged))
	for _, j := range judged {
		byID[j.id] = j
	}
	var tenants, monitors []uuid.UUID
	var notAfter []time.Time
	var thresholds []int
	daysLeft := map[uuid.UUID]int{}
	expiry := map[uuid.UUID]time.Time{}
	for _, st := range states {
		j, ok := byID[st.MonitorID]
		if !ok || st.CertExpiresAt == nil {
			continue
		}
		left := int(math.Floor(st.CertExpiresAt.Sub(st.CheckedAt).Hours() / 24))
		if left < 0 || left > certThresholds[0] {
			continue
		}
		if _, dup := daysLeft[j.id]; dup {
			continue
		}
		daysLeft[j.id], expiry[j.id] = left, *st.CertExpiresAt
		for _, t := range certThresholds {
			if left <= t {
				tenants, monitors, notAfter, thresholds = append(tenants, j.tenantID), append(monitors, j.id),
					append(notAfter, *st.CertExpiresAt), append(thresholds, t)
			}
		}
	}
	if len(monitors) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO cert_warnings (tenant_id, monitor_id, not_after, threshold_days)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::int[])
		ON CONFLICT DO NOTHING RETURNING monitor_id`, tenants, monitors, notAfter, thresholds)
	if err != nil {
		return err
	}
	fresh, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	var out []outboxRow
	warned := map[uuid.UUID]bool{}
	for _, id := range fresh {
		if warned[id] {
			continue
		}
		warned[id] = true
		j := byID[id]
		mid := id
		out = append(out, outboxRow{tenantID: j.tenantID, monitorID: &mid,
			n: model.CertificateNotification(j.notice(), expiry[id], daysLeft[id], time.Now())})
	}
	return writeOutbox(ctx, tx, out, s.opts.NotifyMaxAttempts)
}

func ptr[T any](v T) *T { return &v }
