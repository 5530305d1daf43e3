// Package model holds the domain types that the backend, the worker and the
// store share: plain data, no behaviour that needs a database or a network.
package model

import (
	"time"

	"github.com/google/uuid"
)

// ResultStatus is the outcome of one probe.
type ResultStatus string

// Probe outcomes. Degraded counts as available for uptime.
const (
	ResultUp       ResultStatus = "up"
	ResultDegraded ResultStatus = "degraded"
	ResultDown     ResultStatus = "down"
)

// Valid reports whether s is one of the known outcomes.
func (s ResultStatus) Valid() bool {
	return s == ResultUp || s == ResultDegraded || s == ResultDown
}

// CheckResult is one probe of one monitor, the row of check_results.
// Optional measurements are nil when the probe did not get that far.
type CheckResult struct {
	Time          time.Time
	TenantID      uuid.UUID
	MonitorID     uuid.UUID
	Region        string
	Status        ResultStatus
	LatencyMS     *float64
	StatusCode    int    // 0 when the protocol has none
	ErrorKind     string // dns, connect, tls, timeout, http_status, assertion, blocked; "" when up
	Message       string
	DNSMS         *float64
	ConnectMS     *float64
	TLSMS         *float64
	TTFBMS        *float64
	CertExpiresAt *time.Time
}

// LatencyBoundsMS are the upper bounds (le) of the latency histogram kept in
// every rollup (columns le_<N>ms) and published by the Prometheus export.
// The +Inf bucket is the count of results that have a latency.
var LatencyBoundsMS = []int{5, 10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000}
