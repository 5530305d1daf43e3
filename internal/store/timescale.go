package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// timescaleEngine: check_results is a hypertable whose chunks TimescaleDB
// creates on insert; rollups are continuous aggregates kept by refresh
// policies, and retention and compression are policies too.
type timescaleEngine struct {
	pool *pgxpool.Pool
}

func (timescaleEngine) name() Engine                                    { return EngineTimescale }
func (timescaleEngine) prepareWrite(context.Context, []time.Time) error { return nil }
func (timescaleEngine) forget()                                         {}
func (timescaleEngine) maintain(context.Context, time.Time) error       { return nil }
func (timescaleEngine) materialize(context.Context, time.Time) error    { return nil }

// rollupsInOrder lists the continuous aggregates finest first: each is
// refreshed from the one before it.
var rollupsInOrder = []string{"check_rollup_1m", "check_rollup_1h", "check_rollup_1d"}

// refreshRollups materializes every bucket of every rollup. CALL
// refresh_continuous_aggregate cannot run inside a transaction, so each is a
// single simple-protocol statement on its own.
func (e timescaleEngine) refreshRollups(ctx context.Context) error {
	for _, view := range rollupsInOrder {
		if _, err := e.pool.Exec(ctx, fmt.Sprintf(`CALL refresh_continuous_aggregate('%s', NULL, NULL)`, view)); err != nil {
			return fmt.Errorf("refresh %s: %w", view, err)
		}
	}
	return nil
}
