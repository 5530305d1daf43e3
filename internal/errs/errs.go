// Package errs holds the sentinel errors shared by the store, the worker and
// the API. The API maps each to an HTTP status and envelope code in one table.
package errs

import (
	"errors"
	"sort"
	"strings"
)

// Sentinels. Wrap them with the operation: fmt.Errorf("store.X: %w", ErrNotFound).
var (
	// ErrNotFound: the resource does not exist, or belongs to another tenant
	// (callers must not be able to tell the two apart).
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrValidation   = errors.New("validation failed")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrRateLimited  = errors.New("rate limited")
	// ErrLimitExceeded: a per-tenant limit from the configuration (422).
	ErrLimitExceeded = errors.New("limit exceeded")
	ErrUnavailable   = errors.New("unavailable")
)

// ValidationError carries a reason per field; it matches ErrValidation.
type ValidationError struct {
	Fields map[string]string
}

// Invalid builds a ValidationError from field, reason pairs.
func Invalid(fieldReasons ...string) *ValidationError {
	v := &ValidationError{Fields: map[string]string{}}
	for i := 0; i+1 < len(fieldReasons); i += 2 {
		v.Fields[fieldReasons[i]] = fieldReasons[i+1]
	}
	return v
}

// Add records a reason for a field and returns v for chaining.
func (v *ValidationError) Add(field, reason string) *ValidationError {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	v.Fields[field] = reason
	return v
}

// OrNil returns v when it holds at least one field, else nil.
func (v *ValidationError) OrNil() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + v.Fields[k]
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrValidation) true for a ValidationError.
func (v *ValidationError) Is(target error) bool { return target == ErrValidation }

// Describe wraps a sentinel with a message that is safe to show to the
// caller, such as "the last owner cannot leave"; errors.Is still matches the
// sentinel, and the API puts the message in the envelope.
func Describe(sentinel error, message string) error {
	return &described{sentinel: sentinel, msg: message}
}

type described struct {
	sentinel error
	msg      string
}

func (d *described) Error() string { return d.msg }
func (d *described) Unwrap() error { return d.sentinel }

// PublicMessage returns the caller-safe message err carries, if any.
func PublicMessage(err error) (string, bool) {
	var d *described
	if errors.As(err, &d) {
		return d.msg, true
	}
	return "", false
}
