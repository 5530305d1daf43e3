package grafana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/store"
)

// DataSourceUID is the uid every tenant dashboard reads from.
const DataSourceUID = "vinsight"

const (
	dataSourceName = "V-Insight"
	keyName        = "Grafana"
	saveMessage    = "provisioned by V-Insight"
	// retryBase and retryLimit space the attempts at a tenant whose
	// provisioning failed: 30 s, 1 min, 2 min, … at most an hour.
	retryBase  = 30 * time.Second
	retryLimit = time.Hour
	// claimLease is how long a claimed tenant is left to one backend.
	claimLease = 5 * time.Minute
	claimBatch = 20
)

// Options configure a Provisioner.
type Options struct {
	// PromURL is the PromQL API as Grafana reaches it.
	PromURL string
	// Dashboards holds the tenant dashboards as *.json at its root.
	Dashboards fs.FS
}

// Provisioner keeps each tenant's Grafana organization in place.
type Provisioner struct {
	store      *store.Store
	client     *Client
	promURL    string
	dashboards []map[string]any
	log        zerolog.Logger
	wake       chan struct{}
}

// NewProvisioner reads the dashboards once; a file that is not a dashboard
// with a uid is an error at start.
func NewProvisioner(st *store.Store, c *Client, opts Options, log zerolog.Logger) (*Provisioner, error) {
	names, err := fs.Glob(opts.Dashboards, "*.json")
	if err != nil {
		return nil, fmt.Errorf("grafana: dashboards: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("grafana: no tenant dashboards")
	}
	p := &Provisioner{store: st, client: c, promURL: opts.PromURL, log: log, wake: make(chan struct{}, 1)}
	for _, name := range names {
		raw, err := fs.ReadFile(opts.Dashboards, name)
		if err != nil {
			return nil, fmt.Errorf("grafana: dashboard %s: %w", name, err)
		}
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("grafana: dashboard %s: %w", name, err)
		}
		if uid, _ := d["uid"].(string); uid == "" {
			return nil, fmt.Errorf("grafana: dashboard %s has no uid", name)
		}
		p.dashboards = append(p.dashboards, d)
	}
	return p, nil
}

// OrgName is the name of the tenant's organization: the tenant id, which
// never changes and is unique, so the organization is found again by name.
func OrgName(tenantID uuid.UUID) string { return "vinsight-" + tenantID.String() }

// Wake asks Run for a reconcile now (after a signup) without waiting.
func (p *Provisioner) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run reconciles every interval and whenever woken, until ctx ends.
func (p *Provisioner) Run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		p.Reconcile(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-p.wake:
		}
	}
}

// Reconcile works through the tenants that are due: it provisions those
// never provisioned and removes the organizations of deleted tenants, each
// past the back-off of its last failure. It returns how many succeeded and
// how many failed; failures are logged and recorded for a retry.
func (p *Provisioner) Reconcile(ctx context.Context, now time.Time) (ok, failed int) {
	claims, err := p.store.ClaimGrafanaTenants(ctx, now, claimLease, claimBatch)
	if err != nil {
		p.log.Error().Err(err).Msg("grafana: claiming tenants")
		return 0, 0
	}
	for _, c := range claims {
		id, done, what := c.TenantID, "provisioned", "provisioning"
		if c.Remove {
			done, what = "removed", "removal"
			err = p.Remove(ctx, id)
		} else if err = p.Provision(ctx, id); err == nil {
			err = p.store.MarkGrafanaProvisioned(ctx, id, now)
		}
		if err == nil {
			ok++
			p.log.Info().Str("tenant_id", id.String()).Msg("grafana organization " + done)
			continue
		}
		failed++
		p.log.Warn().Err(err).Str("tenant_id", id.String()).Msg("grafana " + what + " failed; will retry")
		if err := p.store.RecordGrafanaFailure(ctx, id, now, err.Error(), retryBase, retryLimit); err != nil {
			p.log.Error().Err(err).Str("tenant_id", id.String()).Msg("grafana: recording a failure")
		}
	}
	return ok, failed
}

// Provision brings the tenant's organization, datasource and dashboards to
// what they should be, changing only what differs; running it again
// changes nothing. It does not mark the tenant provisioned (Reconcile does).
func (p *Provisioner) Provision(ctx context.Context, tenantID uuid.UUID) error {
	orgID, err := p.ensureOrg(ctx, tenantID)
	if err != nil {
		return err
	}
	if err := p.store.SetGrafanaOrgID(ctx, tenantID, orgID); err != nil {
		return err
	}
	if err := p.ensureDataSource(ctx, tenantID, orgID); err != nil {
		return err
	}
	for _, d := range p.dashboards {
		uid := d["uid"].(string)
		have, err := p.client.Dashboard(ctx, orgID, uid)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil && sameDashboard(have, d) {
			continue
		}
		if err := p.client.SaveDashboard(ctx, orgID, d, saveMessage); err != nil {
			return err
		}
	}
	return nil
}

// ensureOrg finds the tenant's organization by name or creates it.
func (p *Provisioner) ensureOrg(ctx context.Context, tenantID uuid.UUID) (int64, error) {
	name := OrgName(tenantID)
	org, err := p.client.OrgByName(ctx, name)
	if err == nil {
		return org.ID, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	id, err := p.client.CreateOrg(ctx, name)
	if errors.Is(err, ErrConflict) { // another backend created it a moment ago
		org, err = p.client.OrgByName(ctx, name)
		id = org.ID
	}
	return id, err
}

// ensureDataSource leaves a datasource that is as wanted and holds the
// tenant's live key; otherwise it mints a new key (revoking the old one,
// whose secret is not kept anywhere) and writes the datasource with it.
func (p *Provisioner) ensureDataSource(ctx context.Context, tenantID uuid.UUID, orgID int64) error {
	want := p.dataSource()
	have, err := p.client.DataSource(ctx, orgID, DataSourceUID)
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	state, err := p.store.GrafanaOrg(ctx, tenantID)
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return err
	}
	if exists && state.KeyLive && sameDataSource(have, want) {
		return nil
	}
	secret, hash := auth.NewToken(auth.APIKeyPrefix)
	_, err = p.store.ReplaceGrafanaKey(ctx, tenantID, store.NewAPIKey{
		Name: keyName, Scope: auth.ScopeRead, Prefix: auth.KeyDisplayPrefix(secret), KeyHash: hash})
	if err != nil {
		return err
	}
	want.SecureJSONData = map[string]string{"httpHeaderValue1": "Bearer " + secret}
	if exists {
		return p.client.UpdateDataSource(ctx, orgID, want)
	}
	return p.client.CreateDataSource(ctx, orgID, want)
}

// dataSource is the tenant datasource without its secret: Prometheus at the
// PromQL API, the key sent as a bearer token in a custom header.
func (p *Provisioner) dataSource() DataSource {
	return DataSource{UID: DataSourceUID, Name: dataSourceName, Type: "prometheus", Access: "proxy",
		URL: p.promURL, IsDefault: true,
		JSONData: map[string]any{"httpMethod": "POST", "httpHeaderName1": "Authorization"}}
}

func sameDataSource(have, want DataSource) bool {
	if have.Name != want.Name || have.Type != want.Type || have.Access != want.Access ||
		have.URL != want.URL || have.IsDefault != want.IsDefault || !have.SecureJSONFields["httpHeaderValue1"] {
		return false
	}
	for k, v := range want.JSONData {
		if have.JSONData[k] != v {
			return false
		}
	}
	return true
}

// sameDashboard compares two dashboard models but for the fields Grafana
// assigns on every save.
func sameDashboard(have, want map[string]any) bool {
	strip := func(m map[string]any) map[string]any {
		m = clone(m)
		delete(m, "id")
		delete(m, "version")
		return m
	}
	return reflect.DeepEqual(strip(have), strip(want))
}

// Remove deletes the tenant's organization from Grafana and then revokes
// its key and forgets it. Reconcile calls it for deleted tenants until it
// succeeds; an organization that is gone already, or never was, is success,
// so it is safe to run again.
func (p *Provisioner) Remove(ctx context.Context, tenantID uuid.UUID) error {
	state, err := p.store.GrafanaOrg(ctx, tenantID)
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return err
	}
	orgID := state.OrgID
	if orgID == 0 { // created, perhaps, by an attempt that failed before recording it
		org, err := p.client.OrgByName(ctx, OrgName(tenantID))
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		orgID = org.ID
	}
	if orgID != 0 {
		if err := p.client.DeleteOrg(ctx, orgID); err != nil && !errors.Is(err, ErrNotFound) {
			// Grafana 10.0 to 10.3 answer 403, not 404, for an organization
			// id that does not exist: it is gone when its name is.
			if _, byName := p.client.OrgByName(ctx, OrgName(tenantID)); !errors.Is(byName, ErrNotFound) {
				return err
			}
		}
	}
	return p.store.DeleteGrafanaOrg(ctx, tenantID)
}
