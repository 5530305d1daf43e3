package probe

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/theory/jsonpath"

	"github.com/vinsight/vinsight/internal/model"
)

// checkJSON marks r down when the body does not satisfy every assertion.
func checkJSON(r *model.CheckResult, body responseBody, assertions []model.JSONAssertion) {
	if len(assertions) == 0 {
		return
	}
	if body.truncated {
		fail(r, kindAssertion, "response body is larger than 1 MiB; JSON assertions need all of it")
		return
	}
	if failure := evaluateAssertions(body.data, assertions); failure != "" {
		fail(r, kindAssertion, failure)
	}
}

// evaluateAssertions parses body as JSON and returns why the first failing
// assertion fails, or "" when all hold. An assertion holds when its
// JSONPath query selects at least one node and every selected node
// satisfies the operator, so $.checks[*].status equals "ok" means all of
// them are ok. Numbers compare as float64, as monitor validation promised.
func evaluateAssertions(body []byte, assertions []model.JSONAssertion) string {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "response body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	for _, a := range assertions {
		if failure := evaluateAssertion(doc, a); failure != "" {
			return failure
		}
	}
	return ""
}

func evaluateAssertion(doc any, a model.JSONAssertion) string {
	path, err := jsonpath.Parse(a.Path)
	if err != nil {
		return fmt.Sprintf("%s is not a valid JSONPath query", quoteShort(a.Path))
	}
	nodes := path.Select(doc)
	if a.Op == model.OpExists {
		if len(nodes) == 0 {
			return fmt.Sprintf("%s does not exist", quoteShort(a.Path))
		}
		return ""
	}
	if len(nodes) == 0 {
		return fmt.Sprintf("%s selects nothing (expected %s %s)", quoteShort(a.Path), a.Op, jsonText(a.Value))
	}
	var want any
	if err := json.Unmarshal(a.Value, &want); err != nil {
		return fmt.Sprintf("%s %s: the expected value is not JSON", quoteShort(a.Path), a.Op)
	}
	for _, got := range nodes {
		if !holds(a.Op, got, want) {
			gotText, _ := json.Marshal(got)
			return fmt.Sprintf("%s %s %s: got %s", quoteShort(a.Path), a.Op, jsonText(a.Value), jsonText(gotText))
		}
	}
	return ""
}

// holds reports whether got op want. An unknown operator never holds, so a
// config this code does not understand fails loudly instead of passing.
func holds(op string, got, want any) bool {
	switch op {
	case model.OpEquals:
		return reflect.DeepEqual(got, want)
	case model.OpContains:
		return contains(got, want)
	case model.OpLT, model.OpLTE, model.OpGT, model.OpGTE:
		g, gotNumber := got.(float64)
		w, wantNumber := want.(float64)
		if !gotNumber || !wantNumber {
			return false
		}
		switch op {
		case model.OpLT:
			return g < w
		case model.OpLTE:
			return g <= w
		case model.OpGT:
			return g > w
		default:
			return g >= w
		}
	}
	return false
}

// contains: a string holds a substring, an array holds an element equal to
// want, an object holds a key.
func contains(got, want any) bool {
	switch g := got.(type) {
	case string:
		w, ok := want.(string)
		return ok && strings.Contains(g, w)
	case []any:
		for _, e := range g {
			if reflect.DeepEqual(e, want) {
				return true
			}
		}
	case map[string]any:
		w, ok := want.(string)
		if ok {
			_, has := g[w]
			return has
		}
	}
	return false
}

// jsonText shows a JSON value in a message, cut short.
func jsonText(raw []byte) string {
	const limit = 64
	s := string(raw)
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
