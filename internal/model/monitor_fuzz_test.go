package model_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
)

// FuzzMonitorInput decodes arbitrary bytes as a create request and
// validates it: it must never panic, must fail only with a validation or a
// limit error, and what it accepts must validate again to the same spec.
// `go test` runs the seeds; `go test -fuzz FuzzMonitorInput` explores.
func FuzzMonitorInput(f *testing.F) {
	seeds := []string{
		// one valid request per type
		`{"name":"API","type":"http","target":"https://example.com/health","interval_seconds":60,"timeout_seconds":10,
		  "config":{"method":"post","headers":{"X-Foo":"bar"},"body":"{}","expected_status":["200-299","301"],
		  "json_assertions":[{"path":"$.status","op":"equals","value":"ok"},{"path":"$.n","op":"gte","value":1}]}}`,
		`{"name":"Home","type":"keyword","target":"http://example.com","config":{"keyword":"Welcome","case_sensitive":true,"absent":false}}`,
		`{"name":"DB","type":"tcp","target":"[::1]:5432","config":{"send":"PING\r\n","expect":"PONG","retries":3}}`,
		`{"name":"MX","type":"dns","target":"example.com","config":{"record_type":"mx","resolver":"1.1.1.1:53","expected_values":["10 mx.example.com."]}}`,
		`{"name":"Ping","type":"icmp","target":"192.0.2.1","config":{"packet_count":5,"degraded_latency_ms":200}}`,
		`{"name":"Cert","type":"tls","target":"example.com:443","config":{"warn_days":30,"critical_days":7}}`,
		`{"name":"Cron","type":"heartbeat","interval_seconds":3600,"config":{"grace_seconds":300},"enabled":false}`,
		// hostile and malformed ones
		`{"name":"\u0000","type":"http","target":"http://a\r\nb"}`,
		`{"name":"x","type":"http","target":"https://a.example","config":{"headers":{"X\r\nY":"1","x":"a\u0000"}}}`,
		`{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$[?(","op":"lt","value":1e400}]}}`,
		`{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a","op":"equals","value":"\ud800"}]}}`,
		`{"name":"x","type":"dns","target":"` + string(make([]byte, 300)) + `"}`,
		`{"name":"x","type":"tcp","target":"host:99999999999999999999"}`,
		`{"name":"x","type":"http","target":"https://a.example","interval_seconds":-9223372036854775808,"timeout_seconds":9223372036854775807}`,
		`{"name":"x","type":"http","target":"https://a.example","config":[1,2,3]}`,
		`{"name":"x","type":"keyword","target":"https://a.example","config":{"keyword":"k","method":null,"headers":null,"expected_status":null}}`,
		`{"name":"x","type":"heartbeat","notification_channel_ids":["not-a-uuid",""]}`,
		`{"name":"x","type":"icmp","target":"1.2.3"}`,
		`{}`,
		`null`,
		`[]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseInput(t, string(body))
		if err != nil {
			return // the API answers malformed JSON before validation
		}
		spec, err := in.Validate(rules)
		if err != nil {
			assert.True(t, errors.Is(err, errs.ErrValidation) || errors.Is(err, errs.ErrLimitExceeded), "unexpected error kind: %v", err)
			return
		}
		again, err := spec.Input()
		require.NoError(t, err)
		raw, err := json.Marshal(again)
		require.NoError(t, err)
		in2, err := parseInput(t, string(raw))
		require.NoError(t, err, "%s", raw)
		spec2, err := in2.Validate(rules)
		require.NoError(t, err, "accepted input must validate again: %s", raw)
		assert.Equal(t, spec, spec2)
	})
}
