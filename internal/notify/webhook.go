package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// Webhook headers. The signature is HMAC-SHA256, keyed with the channel's
// secret, over "<timestamp>.<body>", written "sha256=<hex>".
const (
	HeaderEventID   = "X-VInsight-Event-ID"
	HeaderEvent     = "X-VInsight-Event"
	HeaderTimestamp = "X-VInsight-Timestamp"
	HeaderSignature = "X-VInsight-Signature"
)

// Webhook POSTs notifications as JSON.
type Webhook struct {
	// Client sends the requests; it should refuse private addresses unless
	// they are allowed, and not follow redirects.
	Client *http.Client
	// Now stamps the signature; nil means time.Now.
	Now func() time.Time
}

// Send POSTs n. A 2xx answer is success; 408, 429 and 5xx are worth
// retrying, any other answer is permanent.
func (w Webhook) Send(ctx context.Context, cfg model.ChannelConfig, n model.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	for k, v := range cfg.Headers {
		req.Header.Set(k, v)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "V-Insight-Webhook/1")
	req.Header.Set(HeaderEvent, n.Type)
	req.Header.Set(HeaderEventID, n.ID.String())
	req.Header.Set("Idempotency-Key", n.ID.String())
	req.Header.Set(HeaderTimestamp, ts)
	if cfg.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(cfg.Secret, ts, body))
	}
	resp, err := w.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook answered %d %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	if resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return err
	}
	return Permanent(err)
}

// Sign computes the signature header value for a body sent at timestamp
// ts (Unix seconds); receivers compute the same and compare.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a signature header in constant time.
func VerifySignature(secret, ts string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}
