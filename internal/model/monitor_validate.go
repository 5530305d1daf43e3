package model

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/errs"
)

// MonitorRules are the deployment's limits that monitor validation applies.
type MonitorRules struct {
	// MinIntervalSeconds is VINSIGHT_MIN_INTERVAL_SECONDS; a shorter
	// interval is a limit (422), not a malformed value.
	MinIntervalSeconds int
}

// Bounds of monitor fields.
const (
	MaxIntervalSeconds = 86400
	MaxNameLength      = 200
	maxTargetLength    = 2048
	defaultInterval    = 60
	defaultMaxTimeout  = 30
)

// Validate checks every field of a create or update request and returns
// the spec with defaults filled in. Malformed fields are one
// *errs.ValidationError naming each field; a well-formed interval below the
// deployment's minimum is errs.ErrLimitExceeded.
func (in MonitorInput) Validate(rules MonitorRules) (MonitorSpec, error) {
	v := &errs.ValidationError{}
	spec := MonitorSpec{
		Name:                   validName(v, in.Name),
		Type:                   in.Type,
		Target:                 strings.TrimSpace(in.Target),
		Enabled:                in.Enabled == nil || *in.Enabled,
		NotificationChannelIDs: []uuid.UUID{},
		Regions:                validRegions(v, in.Regions),
		Tags:                   ValidTags(v, "tags", in.Tags),
	}
	spec.IntervalSeconds, spec.TimeoutSeconds = validTiming(v, in.IntervalSeconds, in.TimeoutSeconds, rules.MinIntervalSeconds)
	if !in.Type.Valid() {
		v.Add("type", "must be one of "+joinTypes(MonitorTypes))
	} else {
		validTarget(v, in.Type, spec.Target)
		cfg, err := ParseMonitorConfig(in.Type, in.Config, true)
		if err != nil {
			configDecodeError(v, err)
		} else {
			validConfig(v, cfg, spec.TimeoutSeconds)
			spec.Config = cfg
		}
	}
	// Whether each channel exists in the tenant is the store's to check.
	spec.NotificationChannelIDs = ValidIDs(v, "notification_channel_ids", in.NotificationChannelIDs, "a notification channel id (UUID)")
	if err := v.OrNil(); err != nil {
		return MonitorSpec{}, err
	}
	if spec.IntervalSeconds < rules.MinIntervalSeconds {
		return MonitorSpec{}, errs.Describe(errs.ErrLimitExceeded, fmt.Sprintf(
			"interval_seconds %d is below the minimum of %d seconds allowed on this service", spec.IntervalSeconds, rules.MinIntervalSeconds))
	}
	return spec, nil
}

func validName(v *errs.ValidationError, name string) string {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.Add("name", "required")
	case n > MaxNameLength:
		v.Add("name", fmt.Sprintf("at most %d characters", MaxNameLength))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add("name", "must not contain control characters")
	}
	return name
}

// validTiming applies the defaults (interval 60 s or the minimum, timeout
// 30 s or just below the interval) and the bounds: the timeout must end
// before the next check is due.
func validTiming(v *errs.ValidationError, interval, timeout, minInterval int) (int, int) {
	if interval == 0 {
		interval = max(defaultInterval, minInterval)
	}
	switch {
	case interval < 0 || interval > MaxIntervalSeconds:
		v.Add("interval_seconds", fmt.Sprintf("must be a number of seconds from %d to %d", max(minInterval, 2), MaxIntervalSeconds))
		return interval, timeout
	case interval == 1:
		v.Add("interval_seconds", "must be at least 2 seconds so that the timeout fits below it")
		return interval, timeout
	}
	if timeout == 0 {
		timeout = min(defaultMaxTimeout, interval-1)
	}
	if timeout < 1 || timeout >= interval {
		v.Add("timeout_seconds", fmt.Sprintf("must be from 1 to %d seconds, below interval_seconds (%d)", interval-1, interval))
	}
	return interval, timeout
}

func joinTypes(types []MonitorType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// regionPattern is what a worker's REGION may look like (eu-west, us-east-1).
var regionPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// validRegions checks and deduplicates a monitor's region list.
func validRegions(v *errs.ValidationError, regions []string) []string {
	out := []string{}
	seen := map[string]bool{}
	if len(regions) > 20 {
		v.Add("regions", "at most 20 regions")
		return out
	}
	for i, r := range regions {
		r = strings.ToLower(strings.TrimSpace(r))
		if !regionPattern.MatchString(r) {
			v.Add(fmt.Sprintf("regions[%d]", i), "must be a region name such as eu-west (lower-case letters, digits and dashes)")
			continue
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// tagPattern is what a tag may look like (prod, eu-db, team_payments).
var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:-]{0,62}$`)

// ValidTags checks, lower-cases and deduplicates a tag list.
func ValidTags(v *errs.ValidationError, field string, tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	if len(tags) > 20 {
		v.Add(field, "at most 20 tags")
		return out
	}
	for i, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if !tagPattern.MatchString(t) {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be a tag such as prod or eu-db (letters, digits, and . _ : - after the first; at most 63)")
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// ValidIDs parses a list of ids, reporting each malformed one as field[i],
// and drops repeats.
func ValidIDs(v *errs.ValidationError, field string, ids []string, what string) []uuid.UUID {
	out := []uuid.UUID{}
	seen := map[uuid.UUID]bool{}
	if len(ids) > 100 {
		v.Add(field, "at most 100 ids")
		return out
	}
	for i, s := range ids {
		id, err := uuid.Parse(s)
		if err != nil {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "must be "+what)
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
