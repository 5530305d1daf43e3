// Package grafana gives every tenant its own Grafana organization through
// Grafana's HTTP API: the organization, a Prometheus datasource that reads
// the tenant's PromQL API with a read key, and the tenant dashboards.
package grafana

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors a Grafana answer maps to.
var (
	ErrNotFound = errors.New("grafana: not found")
	ErrConflict = errors.New("grafana: conflict")
)

// Client calls Grafana's HTTP API as a server administrator (basic auth).
type Client struct {
	base     string
	user     string
	password string
	http     *http.Client
}

// NewClient returns a client of the Grafana at baseURL.
func NewClient(baseURL, user, password string) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), user: user, password: password,
		http: &http.Client{Timeout: 30 * time.Second}}
}

// StatusError is an answer other than 2xx. It carries Grafana's message,
// never the request body (which may hold a key).
type StatusError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("grafana: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Is lets errors.Is match ErrNotFound and ErrConflict.
func (e *StatusError) Is(target error) bool {
	return (target == ErrNotFound && e.Status == http.StatusNotFound) ||
		(target == ErrConflict && e.Status == http.StatusConflict)
}

// do sends one request; orgID > 0 acts in that organization. A 2xx answer
// is decoded into out when out is not nil.
func (c *Client) do(ctx context.Context, method, path string, orgID int64, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("grafana: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("grafana: %s %s: %w", method, path, err)
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if orgID > 0 {
		req.Header.Set("X-Grafana-Org-Id", strconv.FormatInt(orgID, 10))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("grafana: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("grafana: %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var msg struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &msg)
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Message: msg.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("grafana: %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}

// Org is a Grafana organization.
type Org struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// OrgByName finds an organization; ErrNotFound when there is none.
func (c *Client) OrgByName(ctx context.Context, name string) (Org, error) {
	var o Org
	err := c.do(ctx, http.MethodGet, "/api/orgs/name/"+url.PathEscape(name), 0, nil, &o)
	return o, err
}

// CreateOrg creates an organization; the administrator becomes its admin.
// A name that is taken is ErrConflict.
func (c *Client) CreateOrg(ctx context.Context, name string) (int64, error) {
	var out struct {
		OrgID json.Number `json:"orgId"` // a number, or a string in older releases
	}
	if err := c.do(ctx, http.MethodPost, "/api/orgs", 0, map[string]string{"name": name}, &out); err != nil {
		return 0, err
	}
	id, err := out.OrgID.Int64()
	if err != nil {
		return 0, fmt.Errorf("grafana: POST /api/orgs: organization id %q: %w", out.OrgID, err)
	}
	return id, nil
}

// DeleteOrg deletes an organization with everything in it.
func (c *Client) DeleteOrg(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/orgs/"+strconv.FormatInt(id, 10), 0, nil, nil)
}

// DataSource is the part of a datasource that provisioning sets.
type DataSource struct {
	UID       string         `json:"uid"`
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Access    string         `json:"access"`
	URL       string         `json:"url"`
	IsDefault bool           `json:"isDefault"`
	JSONData  map[string]any `json:"jsonData"`
	// SecureJSONData is write-only: Grafana encrypts it and answers with
	// SecureJSONFields, which says only which fields are set.
	SecureJSONData   map[string]string `json:"secureJsonData,omitempty"`
	SecureJSONFields map[string]bool   `json:"secureJsonFields,omitempty"`
}

// DataSource returns the organization's datasource with this uid.
func (c *Client) DataSource(ctx context.Context, orgID int64, uid string) (DataSource, error) {
	var ds DataSource
	err := c.do(ctx, http.MethodGet, "/api/datasources/uid/"+url.PathEscape(uid), orgID, nil, &ds)
	return ds, err
}

// CreateDataSource adds a datasource to the organization.
func (c *Client) CreateDataSource(ctx context.Context, orgID int64, ds DataSource) error {
	ds.SecureJSONFields = nil
	return c.do(ctx, http.MethodPost, "/api/datasources", orgID, ds, nil)
}

// UpdateDataSource replaces the organization's datasource with ds.UID.
func (c *Client) UpdateDataSource(ctx context.Context, orgID int64, ds DataSource) error {
	ds.SecureJSONFields = nil
	return c.do(ctx, http.MethodPut, "/api/datasources/uid/"+url.PathEscape(ds.UID), orgID, ds, nil)
}

// Dashboard returns the model of the organization's dashboard with this uid.
func (c *Client) Dashboard(ctx context.Context, orgID int64, uid string) (map[string]any, error) {
	var out struct {
		Dashboard map[string]any `json:"dashboard"`
	}
	err := c.do(ctx, http.MethodGet, "/api/dashboards/uid/"+url.PathEscape(uid), orgID, nil, &out)
	return out.Dashboard, err
}

// SaveDashboard creates the dashboard, or overwrites the one with its uid.
func (c *Client) SaveDashboard(ctx context.Context, orgID int64, model map[string]any, message string) error {
	model = clone(model)
	model["id"] = nil // a dashboard is matched by uid; an id would name another organization's
	in := map[string]any{"dashboard": model, "overwrite": true, "message": message}
	return c.do(ctx, http.MethodPost, "/api/dashboards/db", orgID, in, nil)
}

// clone copies the top level of a dashboard model.
func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
