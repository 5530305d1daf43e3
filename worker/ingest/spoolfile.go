package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/model"
)

// A spool file is one JSON document holding one batch. It has its own
// field names, independent of the Go types, so that renaming a model field
// cannot silently empty the files an older worker left behind; a change of
// shape gets a new version number.
const (
	spoolFormat  = "vinsight-ingest-spool"
	spoolVersion = 1
)

// errCorrupt marks a spool file that cannot be turned back into its batch.
var errCorrupt = errors.New("corrupt spool file")

type spoolDocument struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	BatchID uuid.UUID     `json:"batch_id"`
	Results []spoolResult `json:"results"`
}

type spoolResult struct {
	Time          time.Time  `json:"time"`
	TenantID      uuid.UUID  `json:"tenant_id"`
	MonitorID     uuid.UUID  `json:"monitor_id"`
	Region        string     `json:"region"`
	Status        string     `json:"status"`
	LatencyMS     *float64   `json:"latency_ms,omitempty"`
	StatusCode    int        `json:"status_code,omitempty"`
	ErrorKind     string     `json:"error_kind,omitempty"`
	Message       string     `json:"message,omitempty"`
	DNSMS         *float64   `json:"dns_ms,omitempty"`
	ConnectMS     *float64   `json:"connect_ms,omitempty"`
	TLSMS         *float64   `json:"tls_ms,omitempty"`
	TTFBMS        *float64   `json:"ttfb_ms,omitempty"`
	CertExpiresAt *time.Time `json:"cert_expires_at,omitempty"`
}

func encodeBatch(id uuid.UUID, results []model.CheckResult) ([]byte, error) {
	doc := spoolDocument{Format: spoolFormat, Version: spoolVersion, BatchID: id, Results: make([]spoolResult, len(results))}
	for i, r := range results {
		doc.Results[i] = spoolResult{Time: r.Time, TenantID: r.TenantID, MonitorID: r.MonitorID, Region: r.Region,
			Status: string(r.Status), LatencyMS: r.LatencyMS, StatusCode: r.StatusCode, ErrorKind: r.ErrorKind,
			Message: r.Message, DNSMS: r.DNSMS, ConnectMS: r.ConnectMS, TLSMS: r.TLSMS, TTFBMS: r.TTFBMS,
			CertExpiresAt: r.CertExpiresAt}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode spool batch: %w", err)
	}
	return data, nil
}

// decodeBatch reads a spool file back, checking that it is the batch its
// name announces.
func decodeBatch(data []byte, wantID uuid.UUID, wantResults int) ([]model.CheckResult, error) {
	var doc spoolDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	switch {
	case doc.Format != spoolFormat:
		return nil, fmt.Errorf("%w: format %q, want %q", errCorrupt, doc.Format, spoolFormat)
	case doc.Version != spoolVersion:
		return nil, fmt.Errorf("%w: version %d, this worker reads version %d", errCorrupt, doc.Version, spoolVersion)
	case doc.BatchID != wantID:
		return nil, fmt.Errorf("%w: batch id %s, the file name says %s", errCorrupt, doc.BatchID, wantID)
	case len(doc.Results) != wantResults:
		return nil, fmt.Errorf("%w: %d results, the file name says %d", errCorrupt, len(doc.Results), wantResults)
	}
	out := make([]model.CheckResult, len(doc.Results))
	for i, r := range doc.Results {
		out[i] = model.CheckResult{Time: r.Time, TenantID: r.TenantID, MonitorID: r.MonitorID, Region: r.Region,
			Status: model.ResultStatus(r.Status), LatencyMS: r.LatencyMS, StatusCode: r.StatusCode, ErrorKind: r.ErrorKind,
			Message: r.Message, DNSMS: r.DNSMS, ConnectMS: r.ConnectMS, TLSMS: r.TLSMS, TTFBMS: r.TTFBMS,
			CertExpiresAt: r.CertExpiresAt}
		if err := validate(out[i]); err != nil {
			return nil, fmt.Errorf("%w: result %d: %w", errCorrupt, i, err)
		}
	}
	return out, nil
}
