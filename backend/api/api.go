// Package api is the backend's HTTP API: one route table, one handlers file
// per resource, the middleware and the adapter that writes the envelope.
package api

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/grafana"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/store"
)

// Version is the build's version, set with -ldflags at release time.
var Version = "dev"

// maxBodyBytes caps every request body.
const maxBodyBytes = 1 << 20

// Deps are what the API needs from main.
type Deps struct {
	Store    *store.Store
	Config   config.Config
	Log      zerolog.Logger
	Registry *prometheus.Registry
	// Now is the clock of the analytics endpoints; nil means time.Now.
	Now func() time.Time
	// Grafana provisions tenants' Grafana organizations; nil when off.
	Grafana *grafana.Provisioner
}

// API holds the handlers' dependencies.
type API struct {
	store     *store.Store
	cfg       config.Config
	log       zerolog.Logger
	registry  *prometheus.Registry
	metrics   *metrics.HTTP
	limits    *limiters
	dummyHash string // compared against when a login names no user, so both cost the same
	clock     func() time.Time
	// promEngine answers PromQL for every tenant, within the configured limits.
	promEngine *promql.Engine
	grafana    *grafana.Provisioner
	// publicPages keeps rendered public status pages for a few seconds.
	publicPages *pageCache
}

// now is the present in UTC.
func (a *API) now() time.Time { return a.clock().UTC() }

// New builds the API and registers its metrics on the registry.
func New(d Deps) *API {
	dummy, err := auth.HashPassword("no user has this password")
	if err != nil {
		panic(err)
	}
	clock := d.Now
	if clock == nil {
		clock = time.Now
	}
	return &API{store: d.Store, cfg: d.Config, log: d.Log, registry: d.Registry,
		metrics: metrics.NewHTTP(d.Registry), limits: newLimiters(d.Config), dummyHash: dummy, clock: clock,
		promEngine: newPromEngine(d.Config.PromMaxSamples, d.Config.PromQueryTimeout), grafana: d.Grafana,
		publicPages: newPageCache(10*time.Second, 1000)}
}
