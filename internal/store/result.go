package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// ResultColumns are the columns of check_results in COPY order.
var ResultColumns = []string{
	"time", "tenant_id", "monitor_id", "region", "status", "latency_ms", "status_code",
	"error_kind", "message", "dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "cert_expires_at",
}

// writeAttempts bounds the retries of a batch after a missing partition, a
// deadlock or a serialization failure; each retry rewrites the whole batch.
const writeAttempts = 5

// WriteResults writes a batch of check results, of any tenants, with one
// COPY in one transaction: either every row lands (with its rollups) or none
// does and the error says why. A row for a day that has no partition yet is
// never lost: the partition is created and the batch retried.
func (s *Store) WriteResults(ctx context.Context, results []model.CheckResult) error {
	err := s.writeResults(ctx, results, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"check_results"}, ResultColumns, CopyResults(results))
		return err
	})
	if err != nil {
		return fmt.Errorf("store.WriteResults: %w", err)
	}
	return nil
}

// writeResults runs write, the transaction that stores results, after
// making sure their days have partitions, and retries the whole transaction
// after a missing partition, a deadlock or a serialization failure.
func (s *Store) writeResults(ctx context.Context, results []model.CheckResult, write func(pgx.Tx) error) error {
	if len(results) == 0 {
		return nil
	}
	if err := validateResults(results); err != nil {
		return err
	}
	days := resultDays(results)
	var err error
	for attempt := 1; attempt <= writeAttempts; attempt++ {
		if err = s.engine.prepareWrite(ctx, days); err != nil {
			return err
		}
		if err = s.inTx(ctx, write); err == nil {
			return nil
		}
		switch {
		case isMissingPartition(err):
			s.engine.forget()
		case isRetryable(err):
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		default:
			return err
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", writeAttempts, err)
}

func validateResults(results []model.CheckResult) error {
	for i, r := range results {
		if !r.Status.Valid() {
			return errs.Invalid(fmt.Sprintf("results[%d].status", i), fmt.Sprintf("unknown status %q", r.Status))
		}
		if r.Time.IsZero() {
			return errs.Invalid(fmt.Sprintf("results[%d].time", i), "missing")
		}
	}
	return nil
}

// resultDays lists the distinct UTC days of the batch.
func resultDays(results []model.CheckResult) []time.Time {
	seen := map[time.Time]bool{}
	var days []time.Time
	for _, r := range results {
		d := utcDay(r.Time)
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	return days
}

// CopyResults feeds results to a COPY in ResultColumns order.
func CopyResults(results []model.CheckResult) pgx.CopyFromSource {
	return pgx.CopyFromSlice(len(results), func(i int) ([]any, error) {
		r := &results[i]
		return []any{
			r.Time,
			pgtype.UUID{Bytes: r.TenantID, Valid: true},
			pgtype.UUID{Bytes: r.MonitorID, Valid: true},
			r.Region,
			string(r.Status),
			r.LatencyMS,
			nullInt(r.StatusCode),
			nullString(r.ErrorKind),
			nullString(r.Message),
			r.DNSMS, r.ConnectMS, r.TLSMS, r.TTFBMS,
			r.CertExpiresAt,
		}, nil
	})
}

func nullInt(v int) *int32 {
	if v == 0 {
		return nil
	}
	n := int32(v)
	return &n
}

func nullString(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// isMissingPartition: a row found no partition of check_results (23514 with
// no constraint name; a CHECK constraint violation names its constraint).
func isMissingPartition(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && pgErr.ConstraintName == ""
}

func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// MaintainPartitions creates partitions ahead and applies the retention of
// raw rows and rollups on the plain engine; on TimescaleDB, whose policies
// do both, it sets the retention policies to the configured days.
func (s *Store) MaintainPartitions(ctx context.Context, now time.Time) error {
	if err := s.engine.maintain(ctx, now); err != nil {
		return fmt.Errorf("store.MaintainPartitions: %w", err)
	}
	return nil
}

// MaterializeRollups is the scheduled rollup job of the plain engine
// (TimescaleDB runs its own refresh policies). Reads are exact either way;
// this keeps them fast.
func (s *Store) MaterializeRollups(ctx context.Context, now time.Time) error {
	if err := s.engine.materialize(ctx, now); err != nil {
		return fmt.Errorf("store.MaterializeRollups: %w", err)
	}
	return nil
}

// RefreshRollups materializes every complete bucket there is, on either
// engine. Tests and benchmarks use it.
func (s *Store) RefreshRollups(ctx context.Context) error {
	if err := s.engine.refreshRollups(ctx); err != nil {
		return fmt.Errorf("store.RefreshRollups: %w", err)
	}
	return nil
}
