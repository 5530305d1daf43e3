package api

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIMatchesRoutes: every route is documented with its method, and
// the document names no route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPIDocument, &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)

	param := regexp.MustCompile(`:(\w+)`)
	var routes, documented []string
	a := New(Deps{Log: zerolog.Nop(), Registry: prometheus.NewRegistry()})
	for _, r := range a.Router().Routes() {
		routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			summary, _ := op.(map[string]any)["summary"].(string)
			assert.NotEmpty(t, summary, "%s %s has a summary", method, path)
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	assert.Equal(t, routes, documented)
}
