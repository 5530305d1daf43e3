package ingest

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// validate refuses what the store would refuse, at Submit, so that a bad
// result is the caller's error and never holds up a batch.
func validate(r model.CheckResult) error {
	if !r.Status.Valid() {
		return errs.Invalid("status", "unknown status "+string(r.Status))
	}
	if r.Time.IsZero() {
		return errs.Invalid("time", "missing")
	}
	return nil
}

// scrub makes a result storable whatever a probe put in it: PostgreSQL text
// refuses NUL bytes and invalid UTF-8, and the spool's JSON refuses NaN and
// infinities. One odd response body must not hold up the batch it is in.
func scrub(r *model.CheckResult) {
	r.Region, r.ErrorKind, r.Message = scrubText(r.Region), scrubText(r.ErrorKind), scrubText(r.Message)
	for _, ms := range []**float64{&r.LatencyMS, &r.DNSMS, &r.ConnectMS, &r.TLSMS, &r.TTFBMS} {
		if *ms != nil && (math.IsNaN(**ms) || math.IsInf(**ms, 0)) {
			*ms = nil
		}
	}
}

func scrubText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
