package api_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/grafana"
)

// TestTenantDashboardPanelsHaveData runs every panel query of every tenant
// dashboard against the PromQL API, as Grafana's datasource would with the
// tenant's key, and requires data from each.
func TestTenantDashboardPanelsHaveData(t *testing.T) {
	ts := newTestServer(t, nil)
	f := ts.promFleet(t, "Acme", "shop")
	end := f.newest
	start := end.Add(-time.Hour)
	vars := strings.NewReplacer("$__rate_interval", "5m", "$__range", "1h", "$__interval", "1m", "$job", "shop")

	files, err := fs.Glob(grafana.TenantDashboards, "tenant/*.json")
	require.NoError(t, err)
	require.Len(t, files, 2)
	for _, name := range files {
		raw, err := fs.ReadFile(grafana.TenantDashboards, name)
		require.NoError(t, err)
		var d struct {
			Title  string `json:"title"`
			Panels []struct {
				Title      string `json:"title"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Definition string `json:"definition"`
				} `json:"list"`
			} `json:"templating"`
		}
		require.NoError(t, json.Unmarshal(raw, &d))
		for _, v := range d.Templating.List {
			// label_values(metric, label) is Grafana's call of label/<label>/values.
			metric, label, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ")"), ", ")
			require.True(t, ok, v.Definition)
			r := ts.promCall(t, f.key, "GET", "/label/"+label+"/values", url.Values{"match[]": {metric}})
			require.Equal(t, http.StatusOK, r.code, r.raw)
			assert.Contains(t, r.raw, `"shop"`, "%s: variable %s", d.Title, v.Definition)
		}
		require.NotEmpty(t, d.Panels)
		for _, p := range d.Panels {
			assert.Equal(t, "vinsight", p.Datasource.UID, "%s / %s reads the tenant datasource", d.Title, p.Title)
			require.NotEmpty(t, p.Targets)
			for _, target := range p.Targets {
				t.Run(d.Title+"/"+p.Title, func(t *testing.T) {
					expr := vars.Replace(target.Expr)
					require.NotContains(t, expr, "$", "an unknown variable in %s", target.Expr)
					r := ts.promCall(t, f.key, "POST", "/query_range", url.Values{"query": {expr},
						"start": {fmt.Sprint(start.Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {"60"}})
					require.Equal(t, http.StatusOK, r.code, r.raw)
					var data struct {
						Result []struct {
							Values [][2]any `json:"values"`
						} `json:"result"`
					}
					require.NoError(t, json.Unmarshal(r.Data, &data))
					require.NotEmpty(t, data.Result, "no data for %s", expr)
					points := 0
					for _, s := range data.Result {
						for _, v := range s.Values {
							if v[1] != "NaN" {
								points++
							}
						}
					}
					assert.Positive(t, points, "only NaN for %s", expr)
				})
			}
		}
	}
}
