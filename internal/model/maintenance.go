package model

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/teambition/rrule-go"

	"github.com/vinsight/vinsight/internal/errs"
)

// Interval is the half-open time range [From, To).
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// MaintenanceWindow silences alerts for its monitors while it is on: once
// (RRule empty) or on every occurrence of an RFC 5545 RRULE whose DTSTART
// is StartsAt as wall-clock time in TimeZone, so "every Sunday 02:00" stays
// at 02:00 across daylight-saving changes. Each occurrence lasts as long as
// the first, StartsAt to EndsAt.
type MaintenanceWindow struct {
	ID          uuid.UUID   `json:"id"`
	TenantID    uuid.UUID   `json:"-"`
	Name        string      `json:"name"`
	StartsAt    time.Time   `json:"starts_at"`
	EndsAt      time.Time   `json:"ends_at"`
	TimeZone    string      `json:"time_zone"`
	RRule       string      `json:"rrule"`
	AllMonitors bool        `json:"all_monitors"`
	MonitorIDs  []uuid.UUID `json:"monitor_ids"`
	Tags        []string    `json:"tags"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	// Active and Next are computed when the window is read: whether it is
	// on now, and the current or next occurrence (nil when none is left).
	Active bool      `json:"active"`
	Next   *Interval `json:"next"`
}

// MaintenanceInput is a create or update request.
type MaintenanceInput struct {
	Name        string   `json:"name"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	TimeZone    string   `json:"time_zone"`
	RRule       string   `json:"rrule"`
	AllMonitors bool     `json:"all_monitors"`
	MonitorIDs  []string `json:"monitor_ids"`
	Tags        []string `json:"tags"`
}

// maxOccurrences bounds one expansion, so that no window can make a read
// expensive (a daily window over 27 years).
const (
	maxOccurrences = 10000
	maxSteps       = 1_000_000
)

// Validate checks a request and returns the window it describes. Times are
// RFC 3339, or local date-times (2026-12-06T02:00:00) read in time_zone.
func (in MaintenanceInput) Validate() (MaintenanceWindow, error) {
	v := &errs.ValidationError{}
	w := MaintenanceWindow{Name: validName(v, in.Name), TimeZone: strings.TrimSpace(in.TimeZone),
		RRule: strings.TrimSpace(in.RRule), AllMonitors: in.AllMonitors,
		MonitorIDs: ValidIDs(v, "monitor_ids", in.MonitorIDs, "a monitor id (UUID)"), Tags: ValidTags(v, "tags", in.Tags)}
	if w.TimeZone == "" {
		w.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil || strings.ContainsFunc(w.TimeZone, unicode.IsSpace) {
		v.Add("time_zone", "must be an IANA time zone such as Europe/Berlin or UTC")
		loc = time.UTC
	}
	w.StartsAt = parseWindowTime(v, "starts_at", in.StartsAt, loc)
	w.EndsAt = parseWindowTime(v, "ends_at", in.EndsAt, loc)
	if !w.StartsAt.IsZero() && !w.EndsAt.IsZero() && !w.EndsAt.After(w.StartsAt) {
		v.Add("ends_at", "must be after starts_at")
	}
	if w.RRule != "" {
		if err := checkRRule(w.RRule); err != nil {
			v.Add("rrule", err.Error())
		} else if !w.EndsAt.IsZero() && w.EndsAt.Sub(w.StartsAt) > 31*24*time.Hour {
			v.Add("ends_at", "a recurring window lasts at most 31 days")
		}
	}
	scopes := 0
	if w.AllMonitors {
		scopes++
	}
	if len(w.MonitorIDs) > 0 || len(w.Tags) > 0 {
		scopes++
	}
	if scopes != 1 {
		v.Add("all_monitors", "set all_monitors, or name monitor_ids and/or tags (not both)")
	}
	if err := v.OrNil(); err != nil {
		return MaintenanceWindow{}, err
	}
	return w, nil
}

func parseWindowTime(v *errs.ValidationError, field, s string, loc *time.Location) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		v.Add(field, "required")
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, loc); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, loc); err == nil {
		return t.UTC()
	}
	v.Add(field, "must be an RFC 3339 time (2026-12-06T02:00:00Z) or a local time in time_zone (2026-12-06T02:00)")
	return time.Time{}
}

// checkRRule accepts an RRULE (with or without the "RRULE:" prefix) that
// repeats at most hourly; DTSTART comes from starts_at, never the rule.
func checkRRule(s string) error {
	rule := strings.TrimPrefix(s, "RRULE:")
	if strings.ContainsAny(rule, "\r\n") || strings.Contains(strings.ToUpper(rule), "DTSTART") {
		return fmt.Errorf("must be one RRULE line without DTSTART (starts_at is the first start)")
	}
	opt, err := rrule.StrToROption(rule)
	if err != nil {
		return fmt.Errorf("not a valid RFC 5545 RRULE (e.g. FREQ=WEEKLY;BYDAY=SU): %v", err)
	}
	if opt.Freq == rrule.SECONDLY || opt.Freq == rrule.MINUTELY {
		return fmt.Errorf("must repeat at most hourly (FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)")
	}
	return nil
}

// Covers reports whether the window applies to a monitor with these tags.
func (w MaintenanceWindow) Covers(monitorID uuid.UUID, tags []string) bool {
	if w.AllMonitors {
		return true
	}
	for _, id := range w.MonitorIDs {
		if id == monitorID {
			return true
		}
	}
	for _, t := range w.Tags {
		for _, mt := range tags {
			if t == mt {
				return true
			}
		}
	}
	return false
}

// Occurrences returns the window's occurrences that overlap [from, to),
// clipped to it, in order.
func (w MaintenanceWindow) Occurrences(from, to time.Time) []Interval {
	length := w.EndsAt.Sub(w.StartsAt)
	if !to.After(from) || length <= 0 {
		return nil
	}
	clip := func(start time.Time) (Interval, bool) {
		iv := Interval{From: start, To: start.Add(length)}
		if !iv.To.After(from) || !iv.From.Before(to) {
			return Interval{}, false
		}
		if iv.From.Before(from) {
			iv.From = from
		}
		if iv.To.After(to) {
			iv.To = to
		}
		return Interval{From: iv.From.UTC(), To: iv.To.UTC()}, true
	}
	if w.RRule == "" {
		if iv, ok := clip(w.StartsAt); ok {
			return []Interval{iv}
		}
		return nil
	}
	r, err := w.rule()
	if err != nil {
		return nil
	}
	// The iterator runs from DTSTART; occurrences before from are skipped
	// (an hourly window a century old is a million steps, the most walked).
	var out []Interval
	next := r.Iterator()
	for steps := 0; steps < maxSteps && len(out) < maxOccurrences; steps++ {
		start, ok := next()
		if !ok || !start.Before(to) {
			break
		}
		if iv, ok := clip(start); ok {
			out = append(out, iv)
		}
	}
	return out
}

// rule builds the recurrence with DTSTART as wall time in the window's zone.
func (w MaintenanceWindow) rule() (*rrule.RRule, error) {
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return nil, err
	}
	opt, err := rrule.StrToROptionInLocation(strings.TrimPrefix(w.RRule, "RRULE:"), loc)
	if err != nil {
		return nil, err
	}
	opt.Dtstart = w.StartsAt.In(loc)
	return rrule.NewRRule(*opt)
}

// WithStatus fills in Active and Next as of now.
func (w MaintenanceWindow) WithStatus(now time.Time) MaintenanceWindow {
	w.Active, w.Next = false, nil
	// An occurrence that covers now started at most one length ago.
	horizon := now.Add(-w.EndsAt.Sub(w.StartsAt))
	for _, iv := range w.Occurrences(horizon, now.AddDate(10, 0, 0)) {
		if iv.To.After(now) {
			full := Interval{From: iv.From, To: iv.To}
			w.Next = &full
			w.Active = !iv.From.After(now)
			break
		}
	}
	return w
}

// MergeIntervals sorts intervals and joins those that overlap or touch.
func MergeIntervals(in []Interval) []Interval {
	if len(in) == 0 {
		return []Interval{}
	}
	s := append([]Interval(nil), in...)
	sort.Slice(s, func(i, j int) bool { return s[i].From.Before(s[j].From) })
	out := []Interval{s[0]}
	for _, iv := range s[1:] {
		last := &out[len(out)-1]
		if !iv.From.After(last.To) {
			if iv.To.After(last.To) {
				last.To = iv.To
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}
