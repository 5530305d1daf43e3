package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// JudgeHeartbeats records a down result for every heartbeat monitor whose
// beat is overdue (interval + grace). The result also moves the monitor's
// last check, so the next miss is judged one more interval + grace later.
// The backend records the beats themselves.
func JudgeHeartbeats(ctx context.Context, st *store.Store, region string, now time.Time) (int, error) {
	overdue, err := st.OverdueHeartbeats(ctx, now)
	if err != nil {
		return 0, err
	}
	for _, o := range overdue {
		r := model.CheckResult{Time: now.UTC(), TenantID: o.TenantID, MonitorID: o.MonitorID, Region: region,
			Status: model.ResultDown, ErrorKind: "timeout",
			Message: fmt.Sprintf("no heartbeat since %s", o.Since.UTC().Format(time.RFC3339))}
		if err := st.RecordCheck(ctx, r); err != nil {
			return 0, err
		}
	}
	return len(overdue), nil
}
