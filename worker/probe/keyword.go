package probe

import (
	"bytes"
	"context"
	"fmt"

	"github.com/vinsight/vinsight/internal/model"
)

// probeKeyword is an HTTP check whose body must contain the keyword, or
// must not when Absent. Only the first maxBody bytes are searched.
func probeKeyword(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult {
	cfg := m.Config.Keyword
	if cfg == nil {
		cfg = defaults(model.TypeKeyword).Keyword
	}
	r, body := p.fetch(ctx, m.Target, &cfg.HTTPConfig, true)
	if r.Status != model.ResultUp {
		return r
	}
	if checkJSON(&r, body, cfg.JSONAssertions); r.Status != model.ResultUp {
		return r
	}
	found := containsKeyword(body.data, cfg.Keyword, cfg.CaseSensitive)
	switch {
	case cfg.Absent && found:
		fail(&r, kindAssertion, fmt.Sprintf("keyword %s found in the body", quoteShort(cfg.Keyword)))
	case !cfg.Absent && !found:
		searched := "the body"
		if body.truncated {
			searched = "the first MiB of the body"
		}
		fail(&r, kindAssertion, fmt.Sprintf("keyword %s not found in %s", quoteShort(cfg.Keyword), searched))
	}
	return r
}

func containsKeyword(body []byte, keyword string, caseSensitive bool) bool {
	if caseSensitive {
		return bytes.Contains(body, []byte(keyword))
	}
	return bytes.Contains(bytes.ToLower(body), bytes.ToLower([]byte(keyword)))
}

// quoteShort quotes s for a message, cut to a length that keeps results
// small.
func quoteShort(s string) string {
	const limit = 64
	if r := []rune(s); len(r) > limit {
		return fmt.Sprintf("%q…", string(r[:limit]))
	}
	return fmt.Sprintf("%q", s)
}
