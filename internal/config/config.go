// Package config is the only reader of the environment. Load validates every
// setting once at start-up; an invalid value stops the process with a
// message that names the variable.
package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Config is the effective configuration of the backend and the worker.
type Config struct {
	DatabaseURL              string
	Storage                  string
	LogLevel                 zerolog.Level
	BindHost                 string
	BackendPort              int
	WorkerPort               int
	Region                   string
	AllowPrivateTargets      bool
	MinIntervalSeconds       int
	SecretKey                string
	GrafanaURL               string
	GrafanaAdminUser         string
	GrafanaAdminPassword     string
	GrafanaPromURL           string
	GrafanaReconcileInterval time.Duration
	PromMaxSamples           int
	PromMaxSeries            int
	PromQueryTimeout         time.Duration
	DBMaxConns               int
	PartitionDaysAhead       int
	RawRetentionDays         int
	MinuteRetentionDays      int
	HourRetentionDays        int
	DayRetentionDays         int
	ShutdownTimeout          time.Duration
	IngestBatchSize          int
	IngestFlushInterval      time.Duration
	IngestBufferCapacity     int
	SessionIdleTimeout       time.Duration
	SessionMaxAge            time.Duration
	InviteTTL                time.Duration
	MaxMonitorsPerTenant     int
	AuthRatePerMinute        int
	APIRatePerSecond         int
	APIRateBurst             int
	PublicURL                string
	SMTPURL                  string
	ProbeConcurrency         int
	SpoolDir                 string
	SpoolMaxBytes            int
	NotifyMaxAttempts        int
	NotifyRetryBase          time.Duration
	NotifyConcurrency        int
	NotifyTimeout            time.Duration
}

// Load reads every setting through getenv (os.Getenv in production) and
// returns all problems at once.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var problems []error
	for _, s := range settings {
		raw := strings.TrimSpace(getenv(s.Name))
		if raw == "" {
			raw = s.Default
		}
		if err := s.apply(&c, raw); err != nil {
			shown := raw
			if s.Secret {
				shown = "<redacted>"
			}
			problems = append(problems, fmt.Errorf("%s=%q: %w", s.Name, shown, err))
		}
	}
	problems = append(problems, c.checkRetention())
	if c.GrafanaURL != "" && c.GrafanaAdminPassword == "" {
		problems = append(problems, fmt.Errorf("GRAFANA_ADMIN_PASSWORD: required when GRAFANA_URL is set"))
	}
	if err := errors.Join(problems...); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

// Effective lists every setting with its value, secrets redacted, for the
// start-up log line.
func (c Config) Effective() map[string]string {
	out := make(map[string]string, len(settings))
	for _, s := range settings {
		v := s.show(&c)
		if s.Secret && v != "" {
			v = "<redacted>"
		}
		if s.Name == "DATABASE_URL" {
			v = RedactURL(v)
		}
		out[s.Name] = v
	}
	return out
}

// Logger builds the JSON logger of a service at the configured level.
func (c Config) Logger(service string) zerolog.Logger {
	return zerolog.New(os.Stdout).Level(c.LogLevel).With().Timestamp().Str("service", service).Logger()
}

// RedactURL hides the password of a connection URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// checkRetention makes sure each rollup outlives the level it is computed
// from, so every range a query may ask for is still held by some level.
func (c Config) checkRetention() error {
	chain := []struct {
		name string
		days int
	}{
		{"VINSIGHT_RAW_RETENTION_DAYS", c.RawRetentionDays},
		{"VINSIGHT_ROLLUP_1M_RETENTION_DAYS", c.MinuteRetentionDays},
		{"VINSIGHT_ROLLUP_1H_RETENTION_DAYS", c.HourRetentionDays},
		{"VINSIGHT_ROLLUP_1D_RETENTION_DAYS", c.DayRetentionDays},
	}
	forever := func(d int) int {
		if d == 0 {
			return math.MaxInt
		}
		return d
	}
	for i := 1; i < len(chain); i++ {
		if forever(chain[i].days) < forever(chain[i-1].days) {
			return fmt.Errorf("%s=%d: must be 0 (forever) or at least %s (%d)",
				chain[i].name, chain[i].days, chain[i-1].name, chain[i-1].days)
		}
	}
	return nil
}

// SecretKeyBytes is VINSIGHT_SECRET_KEY decoded (nil when unset).
func (c Config) SecretKeyBytes() []byte {
	if c.SecretKey == "" {
		return nil
	}
	return decodeKey(c.SecretKey)
}
