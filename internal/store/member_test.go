package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// addMember puts a new user into tenant with role, as the invite flow would.
func addMember(t *testing.T, s *store.Store, tenant uuid.UUID, role auth.Role) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := s.Pool().QueryRow(context.Background(), `
		WITH u AS (INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id)
		INSERT INTO memberships (tenant_id, user_id, role) SELECT $2, id, $3 FROM u RETURNING user_id`,
		fmt.Sprintf("m%s@example.com", uuid.NewString()[:8]), tenant, role).Scan(&id)
	require.NoError(t, err)
	return id
}

func userActor(id uuid.UUID) auth.Actor { return auth.Actor{Type: "user", ID: id, Name: "test"} }

// TestTwoOwnersDemotingEachOtherKeepOne: membership changes within a tenant
// run one at a time, so two owners demoting each other at the same moment
// never leave the tenant without an owner.
func TestTwoOwnersDemotingEachOtherKeepOne(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	for round := range 10 {
		tenant, a, err := s.CreateTenantWithOwner(ctx, store.NewOwner{
			TenantName: "t", Email: fmt.Sprintf("owner%d@example.com", round), Name: "A", PasswordHash: "x"})
		require.NoError(t, err)
		b := addMember(t, s, tenant, auth.Owner)

		var wg sync.WaitGroup
		results := make([]error, 2)
		for i, pair := range [][2]uuid.UUID{{a, b}, {b, a}} {
			wg.Go(func() {
				_, results[i] = s.UpdateMemberRole(ctx, tenant, userActor(pair[0]), pair[1], auth.Admin)
			})
		}
		wg.Wait()

		var failed int
		for _, err := range results {
			if err != nil {
				failed++
				assert.True(t, errors.Is(err, errs.ErrConflict) || errors.Is(err, errs.ErrForbidden), "%v", err)
			}
		}
		assert.Equal(t, 1, failed, "round %d: exactly one demotion wins", round)
		members, _, err := s.ListMembers(ctx, tenant, 10, 0)
		require.NoError(t, err)
		owners := 0
		for _, m := range members {
			if m.Role == auth.Owner {
				owners++
			}
		}
		assert.Equal(t, 1, owners, "round %d", round)
	}
}

func TestMembershipChangesStayInTheirTenant(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenantA, ownerA, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "a", Email: "a@example.com", PasswordHash: "x"})
	require.NoError(t, err)
	tenantB, ownerB, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "b", Email: "b@example.com", PasswordHash: "x"})
	require.NoError(t, err)
	memberA := addMember(t, s, tenantA, auth.Member)

	_, err = s.UpdateMemberRole(ctx, tenantB, userActor(ownerB), memberA, auth.Viewer)
	assert.ErrorIs(t, err, errs.ErrNotFound)
	assert.ErrorIs(t, s.RemoveMember(ctx, tenantB, userActor(ownerB), ownerA), errs.ErrNotFound)
	_, err = s.UpdateMemberRole(ctx, tenantA, userActor(ownerB), memberA, auth.Viewer)
	assert.ErrorIs(t, err, errs.ErrForbidden, "an actor who is no member of the tenant manages nothing there")

	list, total, err := s.ListMembers(ctx, tenantB, 50, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	require.Len(t, list, 1)
	assert.Equal(t, ownerB, list[0].UserID)
}
