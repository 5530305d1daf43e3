package notify_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
)

// FuzzChannelInput validates arbitrary channel requests: never a panic,
// only validation errors, and what is accepted never shows a secret once
// masked. `go test` runs the seeds; `go test -fuzz FuzzChannelInput` explores.
func FuzzChannelInput(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Ops","type":"email","config":{"to":["ops@example.com"]}}`,
		`{"name":"Hook","type":"webhook","config":{"url":"https://h.example.com/x","secret":"s","headers":{"Authorization":"Bearer t"}}}`,
		`{"name":"Slack","type":"shoutrrr","config":{"url":"slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook"}}`,
		`{"name":"PD","type":"shoutrrr","config":{"url":"pagerduty://events.pagerduty.com/0123456789abcdef0123456789abcdef"}}`,
		`{"name":"ntfy","type":"shoutrrr","config":{"url":"ntfy://ntfy.sh/alerts"}}`,
		`{"name":"g","type":"shoutrrr","config":{"url":"generic+https://example.com/hook?template=json"}}`,
		`{"name":"m","type":"shoutrrr","config":{"url":"matrix://user:pass@matrix.example.com"}}`,
		`{"name":"x","type":"shoutrrr","config":{"url":"logger://"}}`,
		`{"name":"x","type":"shoutrrr","config":{"url":"%%%"}}`,
		`{"name":"x","type":"webhook","config":{"url":"https://u:p@h.example.com","headers":{"Host":"evil","X\r\nY":"1"}}}`,
		`{"name":"x","type":"webhook","config":[]}`,
		`{"name":"\u0000","type":"email","config":{"to":["a@b","Bob <b@c.example>"]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var in model.ChannelInput
		if json.Unmarshal(raw, &in) != nil {
			return
		}
		ch, err := notify.ValidChannel(in, notify.ChannelRules{EmailAvailable: true}, nil)
		if err != nil {
			require.True(t, errors.Is(err, errs.ErrValidation), "only validation errors: %v", err)
			return
		}
		masked, err := json.Marshal(notify.Mask(ch.Type, ch.Config))
		require.NoError(t, err)
		if ch.Config.Secret != "" && ch.Config.Secret != notify.Masked {
			assert.NotContains(t, string(masked), `"secret":"`+ch.Config.Secret+`"`)
		}
		for _, v := range ch.Config.Headers {
			if len(v) > 3 && v != notify.Masked {
				assert.NotContains(t, string(masked), `"`+v+`"`)
			}
		}
	})
}
