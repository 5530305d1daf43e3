package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/seal"
)

// A channel's config is sealed whole, bound to the channel's tenant and id,
// so the database alone never shows a secret and a sealed value copied to
// another row does not open. config_masked is what reads return.

const channelColumns = `id, tenant_id, name, type, config_masked, is_default, enabled, created_at, updated_at`

// CreateChannel stores a validated channel.
func (s *Store) CreateChannel(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, ch model.Channel) (model.Channel, error) {
	ch.ID = uuid.New()
	sealed, masked, err := s.sealChannel(tenantID, ch)
	if err != nil {
		return model.Channel{}, fmt.Errorf("store.CreateChannel: %w", err)
	}
	var out model.Channel
	err = s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		out, err = scanChannel(tx.QueryRow(ctx, `
			INSERT INTO notification_channels (id, tenant_id, name, type, config_sealed, config_masked, is_default, enabled)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+channelColumns,
			ch.ID, tenantID, ch.Name, ch.Type, sealed, masked, ch.IsDefault, ch.Enabled))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, channelAudit("notification_channel.create", out))
	})
	if err != nil {
		return model.Channel{}, fmt.Errorf("store.CreateChannel: %w", err)
	}
	return out, nil
}

// GetChannel returns one channel with its secrets masked.
func (s *Store) GetChannel(ctx context.Context, tenantID, id uuid.UUID) (model.Channel, error) {
	var ch model.Channel
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		ch, err = scanChannel(tx.QueryRow(ctx, `SELECT `+channelColumns+` FROM notification_channels
			WHERE tenant_id = $1 AND id = $2`, tenantID, id))
		return err
	})
	if err != nil {
		return model.Channel{}, fmt.Errorf("store.GetChannel: %w", notFound(err))
	}
	return ch, nil
}

// ChannelConfig returns a channel's config with its secrets, for an update
// that keeps the secrets sent back masked.
func (s *Store) ChannelConfig(ctx context.Context, tenantID, id uuid.UUID) (model.ChannelConfig, error) {
	var cfg model.ChannelConfig
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var sealed []byte
		if err := tx.QueryRow(ctx, `SELECT config_sealed FROM notification_channels WHERE tenant_id = $1 AND id = $2`,
			tenantID, id).Scan(&sealed); err != nil {
			return err
		}
		var err error
		cfg, err = s.openChannel(tenantID, id, sealed)
		return err
	})
	if err != nil {
		return model.ChannelConfig{}, fmt.Errorf("store.ChannelConfig: %w", notFound(err))
	}
	return cfg, nil
}

// ListChannels returns one page of the tenant's channels by name.
func (s *Store) ListChannels(ctx context.Context, tenantID uuid.UUID, limit, offset int) ([]model.Channel, int, error) {
	var list []model.Channel
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM notification_channels WHERE tenant_id = $1`, tenantID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+channelColumns+` FROM notification_channels WHERE tenant_id = $1
			ORDER BY lower(name), id LIMIT $2 OFFSET $3`, tenantID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Channel, error) { return scanChannel(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListChannels: %w", err)
	}
	return list, total, nil
}

// UpdateChannel replaces a channel's name, type, config and flags.
func (s *Store) UpdateChannel(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID, ch model.Channel) (model.Channel, error) {
	ch.ID = id
	sealed, masked, err := s.sealChannel(tenantID, ch)
	if err != nil {
		return model.Channel{}, fmt.Errorf("store.UpdateChannel: %w", err)
	}
	var out model.Channel
	err = s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		out, err = scanChannel(tx.QueryRow(ctx, `
			UPDATE notification_channels SET name = $3, type = $4, config_sealed = $5, config_masked = $6,
				is_default = $7, enabled = $8, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+channelColumns,
			tenantID, id, ch.Name, ch.Type, sealed, masked, ch.IsDefault, ch.Enabled))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, channelAudit("notification_channel.update", out))
	})
	if err != nil {
		return model.Channel{}, fmt.Errorf("store.UpdateChannel: %w", notFound(err))
	}
	return out, nil
}

// DeleteChannel removes a channel; monitors stop naming it and its pending
// deliveries go with it.
func (s *Store) DeleteChannel(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		ch, err := scanChannel(tx.QueryRow(ctx, `DELETE FROM notification_channels WHERE tenant_id = $1 AND id = $2
			RETURNING `+channelColumns, tenantID, id))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, channelAudit("notification_channel.delete", ch))
	})
	if err != nil {
		return fmt.Errorf("store.DeleteChannel: %w", notFound(err))
	}
	return nil
}

func channelAudit(action string, ch model.Channel) AuditEntry {
	return AuditEntry{Action: action, ResourceType: "notification_channel", ResourceID: ch.ID.String(),
		Details: map[string]any{"name": ch.Name, "type": ch.Type}}
}

func (s *Store) sealChannel(tenantID uuid.UUID, ch model.Channel) (sealed, masked []byte, err error) {
	plain, err := json.Marshal(ch.Config)
	if err != nil {
		return nil, nil, err
	}
	if sealed, err = s.box.Seal(plain, channelAAD(tenantID, ch.ID)); err != nil {
		if errors.Is(err, seal.ErrNoKey) {
			return nil, nil, errs.Describe(errs.ErrUnavailable, "notification channels need VINSIGHT_SECRET_KEY, which is not set on this server")
		}
		return nil, nil, err
	}
	masked, err = json.Marshal(notify.Mask(ch.Type, ch.Config))
	return sealed, masked, err
}

func (s *Store) openChannel(tenantID, id uuid.UUID, sealed []byte) (model.ChannelConfig, error) {
	var cfg model.ChannelConfig
	plain, err := s.box.Open(sealed, channelAAD(tenantID, id))
	if err != nil {
		return cfg, err
	}
	err = json.Unmarshal(plain, &cfg)
	return cfg, err
}

func channelAAD(tenantID, id uuid.UUID) []byte {
	return []byte("notification_channel:" + tenantID.String() + ":" + id.String())
}

func scanChannel(row pgx.Row) (model.Channel, error) {
	var ch model.Channel
	var masked []byte
	if err := row.Scan(&ch.ID, &ch.TenantID, &ch.Name, &ch.Type, &masked, &ch.IsDefault, &ch.Enabled, &ch.CreatedAt, &ch.UpdatedAt); err != nil {
		return model.Channel{}, err
	}
	if err := json.Unmarshal(masked, &ch.Config); err != nil {
		return model.Channel{}, err
	}
	ch.CreatedAt, ch.UpdatedAt = ch.CreatedAt.UTC(), ch.UpdatedAt.UTC()
	return ch, nil
}

// setMonitorChannels makes ids the monitor's channels. An id that names no
// channel of the tenant is a validation error on its position.
func setMonitorChannels(ctx context.Context, tx pgx.Tx, tenantID, monitorID uuid.UUID, ids []uuid.UUID) error {
	if len(ids) > 0 {
		rows, err := tx.Query(ctx, `SELECT id FROM notification_channels WHERE tenant_id = $1 AND id = ANY($2)`, tenantID, ids)
		if err != nil {
			return err
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		if err := unknownChannels(ids, found); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM monitor_channels WHERE tenant_id = $1 AND monitor_id = $2 AND NOT channel_id = ANY($3)`,
		tenantID, monitorID, ids); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO monitor_channels (tenant_id, monitor_id, channel_id)
		SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`, tenantID, monitorID, ids)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // a channel deleted meanwhile
		return errs.Invalid("notification_channel_ids", "unknown notification channel")
	}
	return err
}

func unknownChannels(ids, found []uuid.UUID) error {
	have := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	v := &errs.ValidationError{}
	for i, id := range ids {
		if !have[id] {
			v.Add(fmt.Sprintf("notification_channel_ids[%d]", i), "unknown notification channel")
		}
	}
	return v.OrNil()
}
