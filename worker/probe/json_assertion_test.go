package probe

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/theory/jsonpath"

	"github.com/vinsight/vinsight/internal/model"
)

func TestEvaluateAssertions(t *testing.T) {
	tests := []struct {
		name, body  string
		assertion   model.JSONAssertion
		wantFailure string // "" when the assertion holds
	}{
		{"numbers compare by value", `{"n":1}`, assertion("$.n", model.OpEquals, `1.0`), ""},
		{"equals is typed", `{"n":"1"}`, assertion("$.n", model.OpEquals, `1`), `got "1"`},
		{"objects compare deeply", `{"o":{"a":[1,{"b":null}]}}`, assertion("$.o", model.OpEquals, `{"a":[1,{"b":null}]}`), ""},
		{"contains on an array of objects", `{"a":[{"id":1},{"id":2}]}`, assertion("$.a", model.OpContains, `{"id":2}`), ""},
		{"contains a key", `{"o":{"k":0}}`, assertion("$.o", model.OpContains, `"k"`), ""},
		{"contains on a number", `{"n":12}`, assertion("$.n", model.OpContains, `1`), "got 12"},
		{"lt on null", `{"n":null}`, assertion("$.n", model.OpLT, `1`), "got null"},
		{"exists on null", `{"n":null}`, assertion("$.n", model.OpExists, ``), ""},
		{"filter query", `{"items":[{"up":true},{"up":false}]}`, assertion("$.items[?@.up == false]", model.OpExists, ``), ""},
		{"every node must hold", `{"items":[1,2,30]}`, assertion("$.items[*]", model.OpLT, `10`), "got 30"},
		{"long values are cut", `{"s":"` + strings.Repeat("a", 100) + `"}`, assertion("$.s", model.OpEquals, `"b"`), "…"},
		{"an empty body", ``, assertion("$", model.OpExists, ``), "not valid JSON"},
		{"trailing garbage", `{} {}`, assertion("$", model.OpExists, ``), "not valid JSON"},
		{"an operator this code does not know", `{"n":1}`, assertion("$.n", "matches", `1`), "got 1"},
		{"an invalid path", `{}`, assertion("$[", model.OpExists, ``), "not a valid JSONPath query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evaluateAssertions([]byte(tt.body), []model.JSONAssertion{tt.assertion})
			if tt.wantFailure == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tt.wantFailure)
			}
		})
	}
}

func assertion(path, op, value string) model.JSONAssertion {
	a := model.JSONAssertion{Path: path, Op: op}
	if value != "" {
		a.Value = json.RawMessage(value)
	}
	return a
}

// FuzzJSONAssertions: response bodies come from any server a tenant points
// a monitor at. Evaluating assertions over them must never panic, must
// fail on a body that is not JSON, and exists must agree with the query.
func FuzzJSONAssertions(f *testing.F) {
	seeds := []struct{ body, path, op, value string }{
		{jsonDocument, "$.status", model.OpEquals, `"ok"`},
		{jsonDocument, "$.checks[*].status", model.OpContains, `"o"`},
		{jsonDocument, "$..*", model.OpGT, `0`},
		{jsonDocument, "$.tags[-1:]", model.OpLTE, `1e308`},
		{`[1,2,3]`, "$[?@ > 1]", model.OpExists, ``},
		{`{"a":{"b":{"c":[[[[]]]]}}}`, "$..c", model.OpContains, `[]`},
		{`{"a":1e400}`, "$.a", model.OpExists, ``},
		{`{"a":"\ud800"}`, "$.a", model.OpEquals, `"\ud800"`},
		{`nul`, "$", model.OpExists, ``},
		{``, "$", model.OpEquals, `null`},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.path, s.op, []byte(s.value))
	}
	f.Fuzz(func(t *testing.T, body []byte, path, op string, value []byte) {
		a := model.JSONAssertion{Path: path, Op: op, Value: value}
		failure := evaluateAssertions(body, []model.JSONAssertion{a})
		var doc any
		if json.Unmarshal(body, &doc) != nil {
			assert.NotEmpty(t, failure, "a body that is not JSON fails every assertion")
			return
		}
		if op == model.OpExists {
			if p, err := jsonpath.Parse(path); err == nil {
				assert.Equal(t, len(p.Select(doc)) > 0, failure == "", "exists agrees with the query")
			}
		}
	})
}
