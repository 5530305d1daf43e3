package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/theory/jsonpath"

	"github.com/vinsight/vinsight/internal/errs"
)

func validAssertion(v *errs.ValidationError, field string, a *JSONAssertion) {
	switch {
	case a.Path == "":
		v.Add(field+".path", "required, a JSONPath query such as $.status")
	case len(a.Path) > maxJSONPath:
		v.Add(field+".path", fmt.Sprintf("at most %d characters", maxJSONPath))
	case strings.ContainsRune(a.Path, 0):
		v.Add(field+".path", "must not contain NUL characters")
	default:
		if _, err := jsonpath.Parse(a.Path); err != nil {
			v.Add(field+".path", "invalid JSONPath (RFC 9535): "+strings.TrimPrefix(err.Error(), "jsonpath: "))
		}
	}
	value, reason := canonicalValue(a.Value)
	switch {
	case !slices.Contains(AssertionOps, a.Op):
		v.Add(field+".op", "must be one of "+strings.Join(AssertionOps, ", "))
	case reason != "":
		v.Add(field+".value", reason)
	case a.Op == OpExists && value != nil:
		v.Add(field+".value", "must be omitted for exists")
	case a.Op != OpExists && value == nil:
		v.Add(field+".value", "required for "+a.Op)
	case a.Op == OpContains && string(value) == "null":
		v.Add(field+".value", "must not be null for contains")
	case (a.Op == OpLT || a.Op == OpLTE || a.Op == OpGT || a.Op == OpGTE) && !isJSONNumber(value):
		v.Add(field+".value", "must be a number for "+a.Op)
	}
	a.Value = value
}

// canonicalValue re-encodes an assertion value so that what is stored is
// what PostgreSQL's jsonb accepts and compares equal on every read: numbers
// must fit a float64 (the probe compares them as such) and strings may not
// hold NUL.
func canonicalValue(raw json.RawMessage) (json.RawMessage, string) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, "must be a JSON value"
	}
	if reason := checkJSONValue(x); reason != "" {
		return nil, reason
	}
	out, err := json.Marshal(x)
	if err != nil {
		return nil, "must be a JSON value"
	}
	return out, ""
}

func checkJSONValue(x any) string {
	switch t := x.(type) {
	case json.Number:
		if _, err := t.Float64(); err != nil {
			return "number out of range"
		}
	case string:
		if strings.ContainsRune(t, 0) {
			return "must not contain NUL characters"
		}
	case []any:
		for _, e := range t {
			if r := checkJSONValue(e); r != "" {
				return r
			}
		}
	case map[string]any:
		for k, e := range t {
			if strings.ContainsRune(k, 0) {
				return "must not contain NUL characters"
			}
			if r := checkJSONValue(e); r != "" {
				return r
			}
		}
	}
	return ""
}

func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}
