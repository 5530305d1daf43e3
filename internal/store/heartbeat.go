package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

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

// OverdueHeartbeat is a heartbeat monitor whose beat is late.
type OverdueHeartbeat struct {
	TenantID, MonitorID uuid.UUID
	Since               time.Time // the last beat, or the last judged miss
}

// OverdueHeartbeats lists enabled heartbeat monitors with no beat (and no
// judged miss) within interval + grace before now.
func (s *Store) OverdueHeartbeats(ctx context.Context, now time.Time) ([]OverdueHeartbeat, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT tenant_id, id, coalesce(last_checked_at, updated_at)
		FROM monitors
		WHERE type = 'heartbeat' AND enabled AND deleted_at IS NULL
		  AND coalesce(last_checked_at, updated_at)
		      < $1::timestamptz - make_interval(secs => interval_seconds + coalesce((config->>'grace_seconds')::int, 0))`, now)
	if err != nil {
		return nil, fmt.Errorf("store.OverdueHeartbeats: %w", err)
	}
	defer rows.Close()
	var out []OverdueHeartbeat
	for rows.Next() {
		var o OverdueHeartbeat
		if err := rows.Scan(&o.TenantID, &o.MonitorID, &o.Since); err != nil {
			return nil, fmt.Errorf("store.OverdueHeartbeats: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// RecordCheck writes one result and the monitor's new state at once: the
// path of results that do not come from the worker's probes (pushed beats,
// judged misses).
func (s *Store) RecordCheck(ctx context.Context, r model.CheckResult) error {
	if err := s.WriteResults(ctx, []model.CheckResult{r}); err != nil {
		return err
	}
	return s.RecordMonitorStates(ctx, []MonitorState{{TenantID: r.TenantID, MonitorID: r.MonitorID,
		Status: model.MonitorStatus(r.Status), CheckedAt: r.Time}})
}
