package api

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vinsight/vinsight/internal/store"
)

// GET /dashboard's answer is written by hand: a thousand monitors are
// 115,000 numbers, on which encoding/json spent 14 ms (reflection, and a
// pointer allocated for every optional number) of a request meant to take
// well under 150. The bytes are the ones encoding/json writes for the same
// envelope; dashboard_json_test.go holds them to that.

// dashboardEnvelope is the whole response body: data (days, hours,
// monitors, in encoding/json's sorted map order), a null error and meta.
func dashboardEnvelope(dates []string, hours []time.Time, rows []store.DashboardRow, meta map[string]any) ([]byte, error) {
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	b := make(jsonBuf, 0, 256+len(rows)*2048)
	b = append(b, `{"data":{"days":[`...)
	for i, d := range dates {
		b = b.comma(i).str(d)
	}
	b = append(b, `],"hours":[`...)
	for i, h := range hours {
		b = b.comma(i).time(h)
	}
	b = append(b, `],"monitors":[`...)
	for i := range rows {
		b = b.comma(i).monitor(&rows[i])
	}
	b = append(b, `]},"error":null,"meta":`...)
	b = append(b, metaJSON...)
	return append(b, '}'), nil
}

// monitor writes one dashboard row.
func (b jsonBuf) monitor(r *store.DashboardRow) jsonBuf {
	b = append(b, `{"id":`...)
	b = b.str(r.ID.String())
	b = append(b, `,"name":`...)
	b = b.str(r.Name)
	b = append(b, `,"type":`...)
	b = b.str(string(r.Type))
	b = append(b, `,"target":`...)
	b = b.str(r.Target)
	b = append(b, `,"status":`...)
	b = b.str(string(r.Status))
	b = append(b, `,"enabled":`...)
	b = strconv.AppendBool(b, r.Enabled)
	b = append(b, `,"interval_seconds":`...)
	b = strconv.AppendInt(b, int64(r.IntervalSeconds), 10)
	b = append(b, `,"last_checked_at":`...)
	if r.LastCheckedAt == nil {
		b = append(b, "null"...)
	} else {
		b = b.time(*r.LastCheckedAt)
	}
	b = append(b, `,"last_latency_ms":`...)
	if r.LastLatencyMS == nil {
		b = append(b, "null"...)
	} else {
		b = b.float(*r.LastLatencyMS)
	}
	b = append(b, `,"uptime_24h":`...)
	b = b.ratio(r.Last24h.Up+r.Last24h.Degraded, r.Last24h.Checks)
	b = append(b, `,"checks_24h":`...)
	b = strconv.AppendInt(b, r.Last24h.Checks, 10)
	b = append(b, `,"daily_uptime":[`...)
	for i, d := range r.Daily {
		b = b.comma(i).ratio(d.Up+d.Degraded, d.Checks)
	}
	b = append(b, `],"daily_failed_checks":[`...)
	for i, d := range r.Daily {
		b = strconv.AppendInt(b.comma(i), d.Failed(), 10)
	}
	b = append(b, `],"hourly_latency_ms":[`...)
	for i, h := range r.Hourly {
		if h.LatencyCount == 0 {
			b = append(b.comma(i), "null"...)
		} else {
			b = b.comma(i).float(h.LatencySumMS / float64(h.LatencyCount))
		}
	}
	return append(b, "]}"...)
}

// jsonBuf is a response body being written.
type jsonBuf []byte

// comma separates the ith element of a list from the one before.
func (b jsonBuf) comma(i int) jsonBuf {
	if i > 0 {
		return append(b, ',')
	}
	return b
}

// ratio is part/whole as model.Rollup.Uptime computes it; null without a
// whole.
func (b jsonBuf) ratio(part, whole int64) jsonBuf {
	if whole == 0 {
		return append(b, "null"...)
	}
	return b.float(float64(part) / float64(whole))
}

// float writes f as encoding/json does: shortest form, exponent only for
// very small or large magnitudes. NaN and infinities (which it refuses)
// are null.
func (b jsonBuf) float(f float64) jsonBuf {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-07 is written e-7
		b = b[:n-1]
	}
	return b
}

// time writes t as time.Time's MarshalJSON does.
func (b jsonBuf) time(t time.Time) jsonBuf {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// str writes s as a JSON string, escaped as encoding/json escapes it
// (HTML characters included); plain text, nearly all of it, is copied.
func (b jsonBuf) str(s string) jsonBuf {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always encodes
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
