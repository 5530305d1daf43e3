package schedule

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

// TestSpreadKeepsTenThousandMonitorsApart: at 60 s, 10,000 monitors start
// evenly over the minute (about 167 a second), never all at once, and a
// monitor keeps its place across restarts.
func TestSpreadKeepsTenThousandMonitorsApart(t *testing.T) {
	const interval = time.Minute
	perSecond := make([]int, 60)
	for range 10_000 {
		id := uuid.New()
		first := keyOf(id, interval).nextRun(time.Now())
		perSecond[first.Unix()%60]++
		again := keyOf(id, interval).nextRun(time.Now())
		d := (again.UnixMilli() - first.UnixMilli()) % 60000
		d = min((d+60000)%60000, (60000-d)%60000) // distance around the minute
		assert.LessOrEqual(t, d, int64(50), "same place in the minute")
	}
	for second, n := range perSecond {
		assert.Less(t, n, 2*10_000/60, "second %d has %d starts", second, n)
		assert.Greater(t, n, 10_000/60/2, "second %d has %d starts", second, n)
	}
}

// TestSlotsShareOneStep: at 10 s, 10,000 monitors fill the interval's
// 400 steps of 25 ms, so the scheduler runs 400 jobs, not 10,000.
func TestSlotsShareOneStep(t *testing.T) {
	slots := map[slotKey]int{}
	for range 10_000 {
		k := keyOf(uuid.New(), 10*time.Second)
		assert.Zero(t, k.offset%resolution)
		assert.Less(t, k.offset, 10*time.Second)
		slots[k]++
	}
	assert.Len(t, slots, 400)
	for k, n := range slots {
		assert.Less(t, n, 60, "slot at %s has %d monitors", k.offset, n)
	}
}

func TestLag(t *testing.T) {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Duration(0), lag(first, time.Minute, first.Add(-time.Second)))
	assert.Equal(t, 150*time.Millisecond, lag(first, time.Minute, first.Add(3*time.Minute+150*time.Millisecond)))
}
