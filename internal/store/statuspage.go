package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

const statusPageColumns = `id, tenant_id, slug, title, description, logo_url, monitor_ids, published, created_at, updated_at`

// errSlugTaken: slugs are public addresses, unique across the service.
var errSlugTaken = errs.Describe(errs.ErrConflict, "this slug is taken; choose another")

// CreateStatusPage stores a validated page; the monitors it names must be
// the tenant's.
func (s *Store) CreateStatusPage(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, p model.StatusPage) (model.StatusPage, error) {
	var out model.StatusPage
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := checkMonitorIDs(ctx, tx, tenantID, p.MonitorIDs); err != nil {
			return err
		}
		var err error
		out, err = scanStatusPage(tx.QueryRow(ctx, `
			INSERT INTO status_pages (tenant_id, slug, title, description, logo_url, monitor_ids, published)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+statusPageColumns,
			tenantID, p.Slug, p.Title, p.Description, p.LogoURL, p.MonitorIDs, p.Published))
		if err != nil {
			return slugConflict(err)
		}
		return audit(ctx, tx, tenantID, actor, statusPageAudit("status_page.create", out))
	})
	if err != nil {
		return model.StatusPage{}, fmt.Errorf("store.CreateStatusPage: %w", err)
	}
	return out, nil
}

// GetStatusPage returns one page of the tenant.
func (s *Store) GetStatusPage(ctx context.Context, tenantID, id uuid.UUID) (model.StatusPage, error) {
	var out model.StatusPage
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		out, err = scanStatusPage(tx.QueryRow(ctx, `SELECT `+statusPageColumns+` FROM status_pages
			WHERE tenant_id = $1 AND id = $2`, tenantID, id))
		return err
	})
	if err != nil {
		return model.StatusPage{}, fmt.Errorf("store.GetStatusPage: %w", notFound(err))
	}
	return out, nil
}

// ListStatusPages returns one page of the tenant's status pages by title.
func (s *Store) ListStatusPages(ctx context.Context, tenantID uuid.UUID, limit, offset int) ([]model.StatusPage, int, error) {
	var list []model.StatusPage
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM status_pages WHERE tenant_id = $1`, tenantID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+statusPageColumns+` FROM status_pages WHERE tenant_id = $1
			ORDER BY lower(title), id LIMIT $2 OFFSET $3`, tenantID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.StatusPage, error) { return scanStatusPage(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListStatusPages: %w", err)
	}
	return list, total, nil
}

// UpdateStatusPage replaces every field of a page and returns it with the
// slug it had before, so that cached copies of both addresses can go.
func (s *Store) UpdateStatusPage(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID, p model.StatusPage) (out model.StatusPage, oldSlug string, err error) {
	err = s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT slug FROM status_pages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
			tenantID, id).Scan(&oldSlug); err != nil {
			return err
		}
		if err := checkMonitorIDs(ctx, tx, tenantID, p.MonitorIDs); err != nil {
			return err
		}
		var err error
		out, err = scanStatusPage(tx.QueryRow(ctx, `
			UPDATE status_pages SET slug = $3, title = $4, description = $5, logo_url = $6, monitor_ids = $7,
				published = $8, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+statusPageColumns,
			tenantID, id, p.Slug, p.Title, p.Description, p.LogoURL, p.MonitorIDs, p.Published))
		if err != nil {
			return slugConflict(err)
		}
		return audit(ctx, tx, tenantID, actor, statusPageAudit("status_page.update", out))
	})
	if err != nil {
		return model.StatusPage{}, "", fmt.Errorf("store.UpdateStatusPage: %w", notFound(err))
	}
	return out, oldSlug, nil
}

// DeleteStatusPage removes a page and returns what it was.
func (s *Store) DeleteStatusPage(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID) (model.StatusPage, error) {
	var out model.StatusPage
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		out, err = scanStatusPage(tx.QueryRow(ctx, `DELETE FROM status_pages WHERE tenant_id = $1 AND id = $2
			RETURNING `+statusPageColumns, tenantID, id))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, statusPageAudit("status_page.delete", out))
	})
	if err != nil {
		return model.StatusPage{}, fmt.Errorf("store.DeleteStatusPage: %w", notFound(err))
	}
	return out, nil
}

// PublishedStatusPage finds a published page by its slug. The slug is a
// public address, so this lookup spans tenants; an unknown slug and an
// unpublished page are both ErrNotFound. Everything read for the page after
// this takes the page's tenant id.
func (s *Store) PublishedStatusPage(ctx context.Context, slug string) (model.StatusPage, error) {
	p, err := scanStatusPage(s.pool.QueryRow(ctx, `SELECT `+statusPageColumns+` FROM status_pages
		WHERE slug = $1 AND published`, slug))
	if err != nil {
		return model.StatusPage{}, fmt.Errorf("store.PublishedStatusPage: %w", notFound(err))
	}
	return p, nil
}

// MonitorIncidents returns the incidents of the tenant's monitorIDs that
// are open or that ended after since, newest first, at most limit.
func (s *Store) MonitorIncidents(ctx context.Context, tenantID uuid.UUID, monitorIDs []uuid.UUID, since time.Time, limit int) ([]model.Incident, error) {
	list := []model.Incident{}
	if len(monitorIDs) == 0 {
		return list, nil
	}
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+incidentColumns+`
			FROM incidents i JOIN monitors m ON m.id = i.monitor_id
			WHERE i.tenant_id = $1 AND i.monitor_id = ANY($2) AND m.deleted_at IS NULL
			  AND (i.resolved_at IS NULL OR i.resolved_at > $3)
			ORDER BY i.resolved_at IS NULL DESC, i.started_at DESC, i.id DESC LIMIT $4`, tenantID, monitorIDs, since, limit)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Incident, error) { return scanIncident(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store.MonitorIncidents: %w", err)
	}
	return list, nil
}

func slugConflict(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "status_pages_slug_key" {
		return errSlugTaken
	}
	return err
}

func statusPageAudit(action string, p model.StatusPage) AuditEntry {
	return AuditEntry{Action: action, ResourceType: "status_page", ResourceID: p.ID.String(),
		Details: map[string]any{"slug": p.Slug, "published": p.Published}}
}

func scanStatusPage(row pgx.Row) (model.StatusPage, error) {
	var p model.StatusPage
	err := row.Scan(&p.ID, &p.TenantID, &p.Slug, &p.Title, &p.Description, &p.LogoURL, &p.MonitorIDs, &p.Published,
		&p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return model.StatusPage{}, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.MonitorIDs == nil {
		p.MonitorIDs = []uuid.UUID{}
	}
	return p, nil
}
