package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// InTenant lets the tests see the confinement every tenant read and write
// runs under.
func (s *Store) InTenant(ctx context.Context, tenantID uuid.UUID, fn func(pgx.Tx) error) error {
	return s.inTenant(ctx, tenantID, fn)
}
