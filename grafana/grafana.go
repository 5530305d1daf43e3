// Package grafana holds the dashboards every tenant's Grafana organization
// gets; the platform's own provisioning and dashboards sit beside it.
package grafana

import "embed"

// TenantDashboards are tenant/*.json: PromQL on the datasource with uid
// "vinsight" that each tenant organization has.
//
//go:embed tenant/*.json
var TenantDashboards embed.FS
