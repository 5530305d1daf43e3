package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
)

// inTenant runs fn in a transaction confined to one tenant twice over: the
// SQL filters by tenant_id, and here the transaction drops to the
// application role, which row-level security holds to vinsight.tenant_id.
func (s *Store) inTenant(ctx context.Context, tenantID uuid.UUID, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, tenantTx(tenantID), fn)
}

// inTenantBatch runs the statements queue adds in a tenant transaction,
// sent together in one round trip; their callbacks run in order.
func (s *Store) inTenantBatch(ctx context.Context, tenantID uuid.UUID, queue func(*pgx.Batch)) error {
	return s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		queue(b)
		return tx.SendBatch(ctx, b).Close()
	})
}

// enterTenantSQL confines the rest of a transaction to a tenant: one
// statement for both settings, the same as SET LOCAL ROLE and SET LOCAL
// vinsight.tenant_id.
const enterTenantSQL = `SELECT set_config('role', 'vinsight_app', true), set_config('vinsight.tenant_id', $1, true)`

// tenantTx begins a transaction and confines it in the same message (one
// round trip for both on every tenant read and write). The simple protocol
// takes no parameters; a uuid's text is hex digits and dashes only.
func tenantTx(tenantID uuid.UUID) pgx.TxOptions {
	return pgx.TxOptions{BeginQuery: "BEGIN; SELECT set_config('role', 'vinsight_app', true), set_config('vinsight.tenant_id', '" +
		tenantID.String() + "', true)"}
}

// enterTenant applies that confinement to a transaction already under way,
// for the one flow that learns its tenant partway (accepting an invite).
func enterTenant(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) error {
	_, err := tx.Exec(ctx, enterTenantSQL, tenantID.String())
	return err
}

// AuditEntry is one write, as recorded in the same transaction as the write.
type AuditEntry struct {
	Action       string // e.g. monitor.create
	ResourceType string
	ResourceID   string
	Details      map[string]any
}

// audit records a write by actor in tenant within tx.
func audit(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, a auth.Actor, e AuditEntry) error {
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
	}
	var actorID *uuid.UUID
	if a.ID != uuid.Nil {
		actorID = &a.ID
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_log (tenant_id, actor_type, actor_id, actor_name, action, resource_type, resource_id, request_id, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		tenantID, a.Type, actorID, a.Name, e.Action, e.ResourceType, e.ResourceID, a.RequestID, details)
	return err
}
