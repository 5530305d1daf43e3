package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/model"
)

// HeartbeatTarget is the monitor a push URL belongs to.
type HeartbeatTarget struct {
	TenantID, MonitorID uuid.UUID
	Enabled             bool
}

// HeartbeatByToken finds the heartbeat monitor of a push token. The token is
// the credential, so this lookup spans tenants; an unknown token, or one of
// a deleted or non-heartbeat monitor, is ErrNotFound.
func (s *Store) HeartbeatByToken(ctx context.Context, token string) (HeartbeatTarget, error) {
	var h HeartbeatTarget
	err := s.pool.QueryRow(ctx, `SELECT tenant_id, id, enabled FROM monitors
		WHERE heartbeat_token = $1 AND type = 'heartbeat' AND deleted_at IS NULL`, token).
		Scan(&h.TenantID, &h.MonitorID, &h.Enabled)
	if err != nil {
		return HeartbeatTarget{}, fmt.Errorf("store.HeartbeatByToken: %w", notFound(err))
	}
	return h, nil
}

// JudgeHeartbeats marks down every enabled heartbeat monitor with no beat
// (and no judged miss) within interval + grace before now, and writes its
// down result, in one transaction. Every worker may run it at once: the
// UPDATE re-checks each row after waiting for a concurrent judge, so a miss
// is judged once. The new last check moves the next judgement one more
// interval + grace away.
func (s *Store) JudgeHeartbeats(ctx context.Context, region string, now time.Time) (int, error) {
	now = now.UTC()
	if err := s.engine.prepareWrite(ctx, []time.Time{utcDay(now)}); err != nil {
		return 0, fmt.Errorf("store.JudgeHeartbeats: %w", err)
	}
	var judged []model.CheckResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE monitors SET status = 'down', last_checked_at = $1
			WHERE type = 'heartbeat' AND enabled AND deleted_at IS NULL
			  AND coalesce(last_checked_at, updated_at)
			      < $1::timestamptz - make_interval(secs => interval_seconds + coalesce((config->>'grace_seconds')::int, 0))
			RETURNING tenant_id, id, interval_seconds + coalesce((config->>'grace_seconds')::int, 0)`, now)
		if err != nil {
			return err
		}
		judged, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.CheckResult, error) {
			res := model.CheckResult{Time: now, Region: region, Status: model.ResultDown, ErrorKind: "timeout"}
			var window int
			err := r.Scan(&res.TenantID, &res.MonitorID, &window)
			res.Message = fmt.Sprintf("no heartbeat within %d seconds", window)
			return res, err
		})
		if err != nil || len(judged) == 0 {
			return err
		}
		ids := make([]uuid.UUID, len(judged))
		for i, r := range judged {
			ids[i] = r.MonitorID
		}
		// The miss replaces the pushed state, which the next beat replaces again.
		_, err = tx.Exec(ctx, `
			INSERT INTO monitor_region_states (monitor_id, region, status, checked_at)
			SELECT id, 'push', 'down', $2 FROM unnest($1::uuid[]) AS id
			ON CONFLICT (monitor_id, region) DO UPDATE SET status = 'down', checked_at = excluded.checked_at`, ids, now)
		if err != nil {
			return err
		}
		if _, err = tx.CopyFrom(ctx, pgx.Identifier{"check_results"}, ResultColumns, CopyResults(judged)); err != nil {
			return err
		}
		// The misses open incidents like any other down state.
		rows, err = tx.Query(ctx, `SELECT `+judgedColumns+` FROM monitors m WHERE m.id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		monitors, err := pgx.CollectRows(rows, scanJudged)
		if err != nil {
			return err
		}
		states := make([]MonitorState, len(judged))
		for i, r := range judged {
			states[i] = MonitorState{TenantID: r.TenantID, MonitorID: r.MonitorID, Region: "push", Status: model.StatusDown,
				CheckedAt: r.Time, ErrorKind: r.ErrorKind, Message: r.Message}
		}
		return s.judge(ctx, tx, monitors, states)
	})
	if err != nil {
		return 0, fmt.Errorf("store.JudgeHeartbeats: %w", err)
	}
	return len(judged), nil
}

// RecordCheck writes one result and the monitor's new state at once: the
// path of results that do not come from the worker's probes (pushed beats,
// judged misses).
func (s *Store) RecordCheck(ctx context.Context, r model.CheckResult) error {
	if err := s.WriteResults(ctx, []model.CheckResult{r}); err != nil {
		return err
	}
	return s.RecordMonitorStates(ctx, []MonitorState{{TenantID: r.TenantID, MonitorID: r.MonitorID,
		Region: r.Region, Status: model.MonitorStatus(r.Status), CheckedAt: r.Time, ErrorKind: r.ErrorKind, Message: r.Message}})
}
