package schedule

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/store"
)

// JudgeHeartbeats is the scheduled job that turns missing beats into down
// results; the backend records the beats themselves.
func JudgeHeartbeats(ctx context.Context, st *store.Store, region string, now time.Time, log zerolog.Logger) {
	n, err := st.JudgeHeartbeats(ctx, region, now)
	if err != nil {
		if ctx.Err() == nil {
			log.Error().Err(err).Msg("heartbeat judgement failed")
		}
		return
	}
	if n > 0 {
		log.Info().Int("monitors", n).Msg("heartbeats missed")
	}
}
