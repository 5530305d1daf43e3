package probe

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vinsight/vinsight/internal/model"
)

func TestKeyword(t *testing.T) {
	srv := httpServer(t)
	p := testProber(Options{})
	tests := []struct {
		name, path, config string
		wantKind           string // "" for up
		wantMessage        string
	}{
		{"present", "/ok", `{"keyword":"operational"}`, "", "200 OK"},
		{"present in another case", "/ok", `{"keyword":"HELLO world"}`, "", ""},
		{"case-sensitive match", "/ok", `{"keyword":"Hello World","case_sensitive":true}`, "", ""},
		{"case-sensitive mismatch", "/ok", `{"keyword":"hello world","case_sensitive":true}`, kindAssertion, `keyword "hello world" not found in the body`},
		{"missing", "/ok", `{"keyword":"maintenance"}`, kindAssertion, `keyword "maintenance" not found`},
		{"absent as required", "/ok", `{"keyword":"maintenance","absent":true}`, "", ""},
		{"present when it must be absent", "/ok", `{"keyword":"World","absent":true}`, kindAssertion, `keyword "World" found in the body`},
		{"beyond the body cap", "/big", `{"keyword":"needle"}`, kindAssertion, "not found in the first MiB of the body"},
		{"status before keyword", "/status?code=500", `{"keyword":"anything"}`, kindHTTPStatus, "status 500"},
		{"json assertions too", "/json", `{"keyword":"ok","json_assertions":[{"path":"$.count","op":"gt","value":5}]}`, kindAssertion, `"$.count" gt 5`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probe(p, monitor(t, model.TypeKeyword, srv.URL+tt.path, tt.config), 5*time.Second)
			if tt.wantKind == "" {
				expectUp(t, r)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
			assert.NotNil(t, r.LatencyMS)
		})
	}
}
