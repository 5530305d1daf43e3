package model_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// FuzzMaintenanceInput validates arbitrary window requests and expands
// what it accepts: never a panic, only validation errors, and occurrences
// that are bounded, ordered and inside the asked range.
func FuzzMaintenanceInput(f *testing.F) {
	for _, seed := range []string{
		`{"name":"w","starts_at":"2026-03-22T02:30","ends_at":"2026-03-22T03:30","time_zone":"Europe/Berlin","rrule":"FREQ=WEEKLY;BYDAY=SU","all_monitors":true}`,
		`{"name":"w","starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-01-01T01:00:00Z","rrule":"FREQ=HOURLY;INTERVAL=1","tags":["prod"]}`,
		`{"name":"w","starts_at":"2026-01-31T00:00:00Z","ends_at":"2026-01-31T01:00:00Z","rrule":"RRULE:FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5","all_monitors":true}`,
		`{"name":"w","starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-02-15T00:00:00Z","rrule":"FREQ=YEARLY","all_monitors":true}`,
		`{"name":"w","starts_at":"x","ends_at":"y","time_zone":"Local","rrule":"FREQ=SECONDLY","monitor_ids":["nope"]}`,
		`{"name":"w","starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-01-01T00:00:01Z","rrule":"FREQ=DAILY;UNTIL=20251231T000000Z","all_monitors":true}`,
	} {
		f.Add([]byte(seed))
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var in model.MaintenanceInput
		if json.Unmarshal(raw, &in) != nil {
			return
		}
		w, err := in.Validate()
		if err != nil {
			require.True(t, errors.Is(err, errs.ErrValidation), "only validation errors: %v", err)
			return
		}
		got := w.Occurrences(from, to)
		assert.LessOrEqual(t, len(got), 10000)
		for i, iv := range got {
			assert.False(t, iv.From.Before(from) || iv.To.After(to) || !iv.To.After(iv.From), "%v", iv)
			if i > 0 {
				assert.False(t, iv.From.Before(got[i-1].From), "ordered")
			}
		}
		_ = w.WithStatus(from)
	})
}
