package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// Masked stands in for a secret in what the API returns; sent back
// unchanged in an update, it keeps the stored secret.
const Masked = "********"

// ChannelRules are the deployment facts channel validation depends on.
type ChannelRules struct {
	// EmailAvailable: VINSIGHT_SMTP_URL is set, so email channels can send.
	EmailAvailable bool
}

// Bounds of channel fields.
const (
	maxRecipients   = 20
	maxURLLength    = 2048
	maxSecretLength = 256
	maxHookHeaders  = 20
)

// reservedHeaders are set by the webhook sender itself.
var reservedHeaders = []string{"Host", "Content-Type", "Content-Length", "User-Agent", "Idempotency-Key",
	"X-Vinsight-Event", "X-Vinsight-Event-Id", "X-Vinsight-Timestamp", "X-Vinsight-Signature", "Connection", "Transfer-Encoding"}

// ValidChannel checks a create or update request and returns the channel
// it describes. For an update, old is the stored config: a secret sent back
// as Masked keeps its stored value.
func ValidChannel(in model.ChannelInput, rules ChannelRules, old *model.ChannelConfig) (model.Channel, error) {
	v := &errs.ValidationError{}
	ch := model.Channel{Name: strings.TrimSpace(in.Name), Type: in.Type, IsDefault: in.IsDefault, Enabled: in.Enabled == nil || *in.Enabled}
	switch n := len([]rune(ch.Name)); {
	case n == 0:
		v.Add("name", "required")
	case n > 100:
		v.Add("name", "at most 100 characters")
	case strings.ContainsFunc(ch.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		v.Add("name", "must not contain control characters")
	}
	if !in.Type.Valid() {
		v.Add("type", "must be one of email, webhook, shoutrrr")
		return model.Channel{}, v
	}
	cfg, err := decodeChannelConfig(in.Config)
	if err != nil {
		v.Add("config", err.Error())
		return model.Channel{}, v
	}
	if old != nil {
		keepSecrets(&cfg, *old)
	}
	switch in.Type {
	case model.ChannelEmail:
		validEmail(v, cfg, rules)
	case model.ChannelWebhook:
		validWebhook(v, cfg)
	case model.ChannelShoutrrr:
		validShoutrrr(v, cfg)
	}
	if err := v.OrNil(); err != nil {
		return model.Channel{}, err
	}
	ch.Config = cfg
	return ch, nil
}

func decodeChannelConfig(raw json.RawMessage) (model.ChannelConfig, error) {
	var cfg model.ChannelConfig
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return cfg, fmt.Errorf("required: the settings of the channel type")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return cfg, fmt.Errorf("unknown field %s (email: to; webhook: url, secret, headers; shoutrrr: url)", name)
		}
		return cfg, fmt.Errorf("must be an object of the channel type's settings")
	}
	return cfg, nil
}

// keepSecrets puts stored secrets back where the request sent the mask.
func keepSecrets(cfg *model.ChannelConfig, old model.ChannelConfig) {
	if cfg.Secret == Masked {
		cfg.Secret = old.Secret
	}
	if strings.Contains(cfg.URL, Masked) && cfg.URL == maskURL(old.URL) {
		cfg.URL = old.URL
	}
	for k, val := range cfg.Headers {
		if val == Masked {
			cfg.Headers[k] = old.Headers[k]
		}
	}
}

func validEmail(v *errs.ValidationError, c model.ChannelConfig, rules ChannelRules) {
	if !rules.EmailAvailable {
		v.Add("type", "email channels need the server's VINSIGHT_SMTP_URL, which is not set")
	}
	if c.URL != "" || c.Secret != "" || len(c.Headers) > 0 {
		v.Add("config", "an email channel takes only to")
	}
	switch {
	case len(c.To) == 0:
		v.Add("config.to", "at least one address")
	case len(c.To) > maxRecipients:
		v.Add("config.to", fmt.Sprintf("at most %d addresses", maxRecipients))
	}
	for i, to := range c.To {
		if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
			v.Add(fmt.Sprintf("config.to[%d]", i), "must be a bare email address such as ops@example.com")
		}
	}
}

func validWebhook(v *errs.ValidationError, c model.ChannelConfig) {
	if len(c.To) > 0 {
		v.Add("config", "a webhook channel takes url, secret and headers")
	}
	validHTTPURL(v, "config.url", c.URL)
	if len(c.Secret) > maxSecretLength || strings.ContainsAny(c.Secret, "\r\n\x00") {
		v.Add("config.secret", fmt.Sprintf("at most %d characters, no line breaks", maxSecretLength))
	}
	if len(c.Headers) > maxHookHeaders {
		v.Add("config.headers", fmt.Sprintf("at most %d headers", maxHookHeaders))
	}
	for name, val := range c.Headers {
		field := "config.headers." + name
		canon := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, r) }):
			v.Add(field, "not a valid header name")
		case containsFold(reservedHeaders, canon):
			v.Add(field, "is set by V-Insight itself")
		case len(val) > 4096 || strings.ContainsAny(val, "\r\n\x00"):
			v.Add(field, "at most 4096 characters, no line breaks")
		}
	}
}

func validHTTPURL(v *errs.ValidationError, field, raw string) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.Add(field, "required")
	case len(raw) > maxURLLength:
		v.Add(field, fmt.Sprintf("at most %d characters", maxURLLength))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		v.Add(field, "must be an http(s) URL with a host")
	case u.User != nil:
		v.Add(field, "must not carry credentials; use headers")
	}
}

func validShoutrrr(v *errs.ValidationError, c model.ChannelConfig) {
	if len(c.To) > 0 || c.Secret != "" || len(c.Headers) > 0 {
		v.Add("config", "a shoutrrr channel takes only url")
	}
	switch {
	case c.URL == "":
		v.Add("config.url", "required: a shoutrrr service URL such as slack://token-a/token-b/token-c")
	case len(c.URL) > maxURLLength:
		v.Add("config.url", fmt.Sprintf("at most %d characters", maxURLLength))
	default:
		if _, err := shoutrrrService(c.URL, false); err != nil {
			v.Add("config.url", err.Error())
		}
	}
}

// shoutrrrService parses a service URL into its shoutrrr service. With
// connect false it only checks the URL: services whose set-up talks to the
// network (matrix logs in) are checked for their scheme alone.
func shoutrrrService(raw string, connect bool) (types.Service, error) {
	r := &router.ServiceRouter{}
	scheme, u, err := r.ExtractServiceName(raw)
	if err != nil || scheme == "" {
		return nil, fmt.Errorf("not a service URL (scheme://...)")
	}
	svc, err := r.NewService(scheme)
	if err != nil {
		return nil, fmt.Errorf("unknown service %q; shoutrrr knows %s", scheme, strings.Join(shoutrrrServices(), ", "))
	}
	if scheme == "logger" {
		return nil, fmt.Errorf("the logger service writes to the worker's log; choose a service that notifies someone")
	}
	if !connect && scheme == "matrix" {
		return svc, nil
	}
	if u.Scheme != scheme {
		custom, ok := svc.(types.CustomURLService)
		if !ok {
			return nil, fmt.Errorf("%s does not take custom URLs (%s)", scheme, u.Scheme)
		}
		if u, err = custom.GetConfigURLFromCustom(u); err != nil {
			return nil, fmt.Errorf("%s: %v", scheme, err)
		}
	}
	if err := svc.Initialize(u, nil); err != nil {
		return nil, fmt.Errorf("%s: %v", scheme, err)
	}
	return svc, nil
}

func shoutrrrServices() []string {
	list := (&router.ServiceRouter{}).ListServices()
	out := list[:0]
	for _, s := range list {
		if s != "logger" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Mask hides a channel's secrets for the API: the webhook secret and header
// values, and a shoutrrr URL but for its service.
func Mask(t model.ChannelType, c model.ChannelConfig) model.ChannelConfig {
	out := model.ChannelConfig{To: c.To, URL: c.URL}
	if c.Secret != "" {
		out.Secret = Masked
	}
	if len(c.Headers) > 0 {
		out.Headers = make(map[string]string, len(c.Headers))
		for k := range c.Headers {
			out.Headers[k] = Masked
		}
	}
	if t == model.ChannelShoutrrr {
		out.URL = maskURL(c.URL)
	}
	return out
}

// maskURL keeps a service URL's scheme only: slack://********.
func maskURL(raw string) string {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return Masked
	}
	return scheme + "://" + Masked
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
