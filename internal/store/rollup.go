package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// rollupLockKey orders materialization (exclusive) against inserts, whose
// late-row trigger takes it shared (see the plain engine's migration).
const rollupLockKey = 7_000_002

// rollupLevel is one materialized rollup of the plain engine: its table,
// its watermark column and the function that aggregates its source (raw
// rows, or the next finer rollup) over a time range.
type rollupLevel struct {
	level             level
	table, mark, from string
}

var rollupLevels = []rollupLevel{
	{level1m, "check_rollup_1m_mat", "minute_mark", "rollup_1m_from_raw"},
	{level1h, "check_rollup_1h_mat", "hour_mark", "rollup_1h_from_1m"},
	{level1d, "check_rollup_1d_mat", "day_mark", "rollup_1d_from_1h"},
}

// materializeLag keeps the newest minute on the real-time side, so results
// that arrive a little after their time are not late.
const materializeLag = time.Minute

// materialize moves complete buckets from the real-time side of each rollup
// view into its table, finest first, in one transaction: 1m from raw rows up
// to now - lag, then 1h from 1m and 1d from 1h for the buckets that are
// complete. Reads see the same answers before and after.
func (e *partitionEngine) materialize(ctx context.Context, now time.Time) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rollupLockKey); err != nil {
			return err
		}
		upTo := now.UTC().Add(-materializeLag)
		for _, l := range rollupLevels {
			upTo = upTo.Truncate(l.level.stride()) // UTC-aligned: the same buckets as date_bin from 2000-01-03
			if err := materializeLevel(ctx, tx, l, upTo); err != nil {
				return fmt.Errorf("materialize %s: %w", l.table, err)
			}
		}
		return nil
	})
}

func materializeLevel(ctx context.Context, tx pgx.Tx, l rollupLevel, upTo time.Time) error {
	var mark pgtype.Timestamptz
	if err := tx.QueryRow(ctx, `SELECT `+l.mark+` FROM rollup_watermarks`).Scan(&mark); err != nil {
		return err
	}
	if mark.InfinityModifier == pgtype.Finite && !upTo.After(mark.Time) {
		return nil
	}
	// The view's real-time side is this same function from the mark on, so
	// the rows moved into the table are exactly the ones the view stops
	// computing when the mark moves.
	_, err := tx.Exec(ctx, `INSERT INTO `+l.table+` SELECT * FROM `+l.from+`($1, $2) ORDER BY 1, 2, 3`, mark, upTo)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE rollup_watermarks SET `+l.mark+` = $1`, upTo)
	return err
}

// readRelations are the materialized tables: reading them directly below
// their watermarks, and the finer levels above, is what the views do, minus
// the planning of three nested real-time unions on every statement.
func (e *partitionEngine) readRelations() [levelCount]relation {
	return [levelCount]relation{
		levelRaw: {"check_results", "time"},
		level1m:  {"check_rollup_1m_mat", "bucket"},
		level1h:  {"check_rollup_1h_mat", "bucket"},
		level1d:  {"check_rollup_1d_mat", "bucket"},
	}
}

// storedRelations are the read relations: the materialized tables hold
// every rollup row there is (the views add only what is computed on read).
func (e *partitionEngine) storedRelations(context.Context) ([levelCount]relation, error) {
	return e.readRelations(), nil
}

// queueWatermarks reads the watermarks and the late-fold count. A
// watermark only moves forward and the finer levels keep their rows, so a
// read planned with one that has since moved is still exact.
func (e *partitionEngine) queueWatermarks(b *pgx.Batch, w *watermarks) {
	b.Queue(`SELECT minute_mark, hour_mark, day_mark, late_folds FROM rollup_watermarks`).QueryRow(func(row pgx.Row) error {
		var ts [3]pgtype.Timestamptz
		if err := row.Scan(&ts[0], &ts[1], &ts[2], &w.lateFolds); err != nil {
			return err
		}
		for i, t := range ts {
			switch {
			case t.InfinityModifier == pgtype.NegativeInfinity:
				w.complete[level1m+level(i)] = time.Time{}
			case t.InfinityModifier == pgtype.Infinity:
				w.complete[level1m+level(i)] = farFuture
			default:
				w.complete[level1m+level(i)] = t.Time
			}
		}
		return nil
	})
}
