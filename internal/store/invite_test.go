package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// TestInviteIsAcceptedOnce: two acceptances racing for one token make one
// membership; the other is told the invitation is used.
func TestInviteIsAcceptedOnce(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, owner, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "t", Email: "o@example.com", PasswordHash: "x"})
	require.NoError(t, err)

	for round := range 5 {
		_, hash := auth.NewToken(auth.InvitePrefix)
		email := fmt.Sprintf("new%d@example.com", round)
		_, err := s.CreateInvite(ctx, tenant, userActor(owner), store.NewInvite{
			Email: email, Role: auth.Viewer, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour)}, nil)
		require.NoError(t, err)

		var wg sync.WaitGroup
		results := make([]error, 2)
		for i := range results {
			wg.Go(func() {
				_, _, results[i] = s.AcceptInvite(ctx, hash, store.InviteAcceptance{Name: "N", PasswordHash: "x"})
			})
		}
		wg.Wait()
		succeeded := 0
		for _, err := range results {
			if err == nil {
				succeeded++
			} else {
				assert.ErrorIs(t, err, store.ErrInviteAccepted)
			}
		}
		assert.Equal(t, 1, succeeded, "round %d", round)
	}
	_, total, err := s.ListMembers(ctx, tenant, 50, 0)
	require.NoError(t, err)
	assert.Equal(t, 6, total)
}

func TestDeliveryFailureUndoesTheInvite(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, owner, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "t", Email: "o@example.com", PasswordHash: "x"})
	require.NoError(t, err)
	_, hash := auth.NewToken(auth.InvitePrefix)
	mailDown := errors.New("mail server down")

	_, err = s.CreateInvite(ctx, tenant, userActor(owner), store.NewInvite{
		Email: "x@example.com", Role: auth.Viewer, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour)},
		func() error { return mailDown })
	assert.ErrorIs(t, err, mailDown)

	_, err = s.InviteByToken(ctx, hash)
	assert.ErrorIs(t, err, errs.ErrNotFound)
	entries, _, err := s.ListAuditLog(ctx, tenant, store.AuditFilter{Action: "invite.create"}, 10, 0)
	require.NoError(t, err)
	assert.Empty(t, entries, "the audit entry went with the rolled-back invitation")
}
