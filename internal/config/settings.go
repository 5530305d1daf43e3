package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Setting documents one environment variable; README's configuration table
// lists every one of them (a test keeps the two in step).
type Setting struct {
	Name    string
	Default string
	Help    string
	Secret  bool
	apply   func(c *Config, raw string) error
	show    func(c *Config) string
}

// Settings returns the documented settings in README order.
func Settings() []Setting { return settings }

var settings = []Setting{
	{Name: "DATABASE_URL", Help: "PostgreSQL connection URL (required for backend and worker; `make run` sets it)",
		apply: func(c *Config, v string) error {
			if v == "" {
				return fmt.Errorf("required")
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
				return fmt.Errorf("must be a postgres:// URL")
			}
			c.DatabaseURL = v
			return nil
		},
		show: func(c *Config) string { return c.DatabaseURL }},
	{Name: "VINSIGHT_STORAGE", Default: "auto", Help: "storage engine: `auto` (TimescaleDB when the extension is available), `timescale` or `postgres`",
		apply: oneOf(func(c *Config) *string { return &c.Storage }, "auto", "timescale", "postgres"),
		show:  func(c *Config) string { return c.Storage }},
	{Name: "LOG_LEVEL", Default: "info", Help: "`trace`, `debug`, `info`, `warn` or `error`",
		apply: func(c *Config, v string) error {
			lvl, err := zerolog.ParseLevel(strings.ToLower(v))
			if err != nil || lvl == zerolog.NoLevel {
				return fmt.Errorf("must be trace, debug, info, warn or error")
			}
			c.LogLevel = lvl
			return nil
		},
		show: func(c *Config) string { return c.LogLevel.String() }},
	{Name: "VINSIGHT_BIND_HOST", Default: "", Help: "address the backend and worker listen on (empty: all interfaces)",
		apply: func(c *Config, v string) error { c.BindHost = v; return nil },
		show:  func(c *Config) string { return c.BindHost }},
	{Name: "BACKEND_PORT", Default: "8080", Help: "backend HTTP port",
		apply: intIn(func(c *Config) *int { return &c.BackendPort }, 1, 65535),
		show:  func(c *Config) string { return strconv.Itoa(c.BackendPort) }},
	{Name: "WORKER_PORT", Default: "8081", Help: "worker port for /health, /ready and /metrics",
		apply: intIn(func(c *Config) *int { return &c.WorkerPort }, 1, 65535),
		show:  func(c *Config) string { return strconv.Itoa(c.WorkerPort) }},
	{Name: "REGION", Default: "local", Help: "region label the worker stamps on its results",
		apply: func(c *Config, v string) error {
			if len(v) > 64 {
				return fmt.Errorf("at most 64 characters")
			}
			c.Region = v
			return nil
		},
		show: func(c *Config) string { return c.Region }},
	{Name: "VINSIGHT_ALLOW_PRIVATE_TARGETS", Default: "false", Help: "let probes reach loopback and private networks (self-hosting, tests)",
		apply: boolean(func(c *Config) *bool { return &c.AllowPrivateTargets }),
		show:  func(c *Config) string { return strconv.FormatBool(c.AllowPrivateTargets) }},
	{Name: "VINSIGHT_MIN_INTERVAL_SECONDS", Default: "30", Help: "smallest monitor interval accepted",
		apply: intIn(func(c *Config) *int { return &c.MinIntervalSeconds }, 1, 86400),
		show:  func(c *Config) string { return strconv.Itoa(c.MinIntervalSeconds) }},
	{Name: "VINSIGHT_SECRET_KEY", Default: "", Secret: true, Help: "32-byte key, base64 or hex, that encrypts stored channel secrets",
		apply: func(c *Config, v string) error {
			if v != "" && len(decodeKey(v)) != 32 {
				return fmt.Errorf("must be 32 bytes encoded as base64 or hex (e.g. `openssl rand -base64 32`)")
			}
			c.SecretKey = v
			return nil
		},
		show: func(c *Config) string { return c.SecretKey }},
	{Name: "GRAFANA_URL", Default: "", Help: "Grafana base URL for per-tenant organizations (empty: off)",
		apply: func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
					return fmt.Errorf("must be an http(s) URL")
				}
			}
			c.GrafanaURL = v
			return nil
		},
		show: func(c *Config) string { return c.GrafanaURL }},
	{Name: "GRAFANA_ADMIN_USER", Default: "admin", Help: "Grafana user with server-admin rights that creates the tenants' organizations",
		apply: func(c *Config, v string) error { c.GrafanaAdminUser = v; return nil },
		show:  func(c *Config) string { return c.GrafanaAdminUser }},
	{Name: "GRAFANA_ADMIN_PASSWORD", Default: "", Secret: true, Help: "that user's password (required when `GRAFANA_URL` is set)",
		apply: func(c *Config, v string) error { c.GrafanaAdminPassword = v; return nil },
		show:  func(c *Config) string { return c.GrafanaAdminPassword }},
	{Name: "VINSIGHT_GRAFANA_PROM_URL", Default: "http://backend:8080/api/v1/prom", Help: "the PromQL API as Grafana reaches it: the URL of each tenant's datasource",
		apply: func(c *Config, v string) error {
			if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return fmt.Errorf("must be an http(s) URL")
			}
			c.GrafanaPromURL = v
			return nil
		},
		show: func(c *Config) string { return c.GrafanaPromURL }},
	{Name: "VINSIGHT_GRAFANA_RECONCILE_INTERVAL", Default: "1m", Help: "how often the backend provisions the Grafana organizations still missing (a signup starts one at once; failures back off from 30 s to an hour)",
		apply: durationIn(func(c *Config) *time.Duration { return &c.GrafanaReconcileInterval }, time.Second, 24*time.Hour),
		show:  func(c *Config) string { return c.GrafanaReconcileInterval.String() }},
	{Name: "VINSIGHT_PROM_MAX_SAMPLES", Default: "5000000", Help: "PromQL: samples one query may hold in memory, and results it may read",
		apply: intIn(func(c *Config) *int { return &c.PromMaxSamples }, 100, 1_000_000_000),
		show:  func(c *Config) string { return strconv.Itoa(c.PromMaxSamples) }},
	{Name: "VINSIGHT_PROM_MAX_SERIES", Default: "10000", Help: "PromQL: series one selector may select",
		apply: intIn(func(c *Config) *int { return &c.PromMaxSeries }, 1, 10_000_000),
		show:  func(c *Config) string { return strconv.Itoa(c.PromMaxSeries) }},
	{Name: "VINSIGHT_PROM_QUERY_TIMEOUT", Default: "30s", Help: "PromQL: longest a query may run (a request's `timeout` may only shorten it)",
		apply: durationIn(func(c *Config) *time.Duration { return &c.PromQueryTimeout }, 100*time.Millisecond, 10*time.Minute),
		show:  func(c *Config) string { return c.PromQueryTimeout.String() }},
	{Name: "VINSIGHT_DB_MAX_CONNS", Default: "10", Help: "connection pool size per process",
		apply: intIn(func(c *Config) *int { return &c.DBMaxConns }, 1, 1000),
		show:  func(c *Config) string { return strconv.Itoa(c.DBMaxConns) }},
	{Name: "VINSIGHT_PARTITION_DAYS_AHEAD", Default: "7", Help: "plain engine: days of raw-result partitions created ahead",
		apply: intIn(func(c *Config) *int { return &c.PartitionDaysAhead }, 1, 365),
		show:  func(c *Config) string { return strconv.Itoa(c.PartitionDaysAhead) }},
	{Name: "VINSIGHT_RAW_RETENTION_DAYS", Default: "30", Help: "days of raw results kept (0 keeps them forever)",
		apply: intIn(func(c *Config) *int { return &c.RawRetentionDays }, 0, 3650),
		show:  func(c *Config) string { return strconv.Itoa(c.RawRetentionDays) }},
	{Name: "VINSIGHT_ROLLUP_1M_RETENTION_DAYS", Default: "30", Help: "days of 1-minute rollups kept (0: forever); at least the raw retention",
		apply: intIn(func(c *Config) *int { return &c.MinuteRetentionDays }, 0, 3650),
		show:  func(c *Config) string { return strconv.Itoa(c.MinuteRetentionDays) }},
	{Name: "VINSIGHT_ROLLUP_1H_RETENTION_DAYS", Default: "400", Help: "days of 1-hour rollups kept (0: forever); at least the 1-minute retention",
		apply: intIn(func(c *Config) *int { return &c.HourRetentionDays }, 0, 36500),
		show:  func(c *Config) string { return strconv.Itoa(c.HourRetentionDays) }},
	{Name: "VINSIGHT_ROLLUP_1D_RETENTION_DAYS", Default: "0", Help: "days of 1-day rollups kept (0: forever); at least the 1-hour retention",
		apply: intIn(func(c *Config) *int { return &c.DayRetentionDays }, 0, 36500),
		show:  func(c *Config) string { return strconv.Itoa(c.DayRetentionDays) }},
	{Name: "VINSIGHT_SHUTDOWN_TIMEOUT", Default: "30s", Help: "how long SIGTERM waits for in-flight requests and the last ingest flush",
		apply: durationIn(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, time.Second, 10*time.Minute),
		show:  func(c *Config) string { return c.ShutdownTimeout.String() }},
	{Name: "VINSIGHT_INGEST_BATCH_SIZE", Default: "1000", Help: "worker: results per batch write",
		apply: intIn(func(c *Config) *int { return &c.IngestBatchSize }, 1, 100000),
		show:  func(c *Config) string { return strconv.Itoa(c.IngestBatchSize) }},
	{Name: "VINSIGHT_INGEST_FLUSH_INTERVAL", Default: "1s", Help: "worker: longest a result waits before its batch is written",
		apply: durationIn(func(c *Config) *time.Duration { return &c.IngestFlushInterval }, 10*time.Millisecond, time.Minute),
		show:  func(c *Config) string { return c.IngestFlushInterval.String() }},
	{Name: "VINSIGHT_INGEST_BUFFER", Default: "100000", Help: "worker: results held in memory while the database is slow or away",
		apply: intIn(func(c *Config) *int { return &c.IngestBufferCapacity }, 1, 10_000_000),
		show:  func(c *Config) string { return strconv.Itoa(c.IngestBufferCapacity) }},
	{Name: "VINSIGHT_SESSION_IDLE_TIMEOUT", Default: "24h", Help: "a session unused this long expires",
		apply: durationIn(func(c *Config) *time.Duration { return &c.SessionIdleTimeout }, time.Minute, 90*24*time.Hour),
		show:  func(c *Config) string { return c.SessionIdleTimeout.String() }},
	{Name: "VINSIGHT_SESSION_MAX_AGE", Default: "720h", Help: "a session expires this long after login, used or not",
		apply: durationIn(func(c *Config) *time.Duration { return &c.SessionMaxAge }, time.Minute, 365*24*time.Hour),
		show:  func(c *Config) string { return c.SessionMaxAge.String() }},
	{Name: "VINSIGHT_INVITE_TTL", Default: "168h", Help: "how long an invitation can be accepted",
		apply: durationIn(func(c *Config) *time.Duration { return &c.InviteTTL }, time.Minute, 90*24*time.Hour),
		show:  func(c *Config) string { return c.InviteTTL.String() }},
	{Name: "VINSIGHT_MAX_MONITORS_PER_TENANT", Default: "1000", Help: "monitors a tenant may have (deleted ones do not count)",
		apply: intIn(func(c *Config) *int { return &c.MaxMonitorsPerTenant }, 1, 1_000_000),
		show:  func(c *Config) string { return strconv.Itoa(c.MaxMonitorsPerTenant) }},
	{Name: "VINSIGHT_AUTH_RATE_PER_MINUTE", Default: "10", Help: "signup, login and invite-accept attempts per client address per minute",
		apply: intIn(func(c *Config) *int { return &c.AuthRatePerMinute }, 1, 100000),
		show:  func(c *Config) string { return strconv.Itoa(c.AuthRatePerMinute) }},
	{Name: "VINSIGHT_API_RATE_PER_SECOND", Default: "50", Help: "API requests per second, for each tenant and for each API key",
		apply: intIn(func(c *Config) *int { return &c.APIRatePerSecond }, 1, 1_000_000),
		show:  func(c *Config) string { return strconv.Itoa(c.APIRatePerSecond) }},
	{Name: "VINSIGHT_API_RATE_BURST", Default: "100", Help: "API requests allowed at once above the per-second rate",
		apply: intIn(func(c *Config) *int { return &c.APIRateBurst }, 1, 1_000_000),
		show:  func(c *Config) string { return strconv.Itoa(c.APIRateBurst) }},
	{Name: "VINSIGHT_PUBLIC_URL", Default: "http://localhost:3000", Help: "public URL of the UI, used in links sent by mail (invitations)",
		apply: func(c *Config, v string) error {
			if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return fmt.Errorf("must be an http(s) URL")
			}
			c.PublicURL = strings.TrimRight(v, "/")
			return nil
		},
		show: func(c *Config) string { return c.PublicURL }},
	{Name: "VINSIGHT_SMTP_URL", Default: "", Secret: true, Help: "mail server as `smtp://user:password@host:port?from=alerts@example.com` (empty: invitation links are returned to the inviter instead)",
		apply: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Query().Get("from") == "" {
					return fmt.Errorf("must look like smtp://user:password@host:port?from=address")
				}
			}
			c.SMTPURL = v
			return nil
		},
		show: func(c *Config) string { return c.SMTPURL }},
	{Name: "VINSIGHT_SPOOL_DIR", Default: "", Help: "worker: directory of the on-disk spool that keeps results while the database is away and memory is full, drained on the next start after a crash (empty: `$TMPDIR/vinsight-spool/<host>-<port>-<database>`, one per database; give docker a volume here)",
		apply: func(c *Config, v string) error {
			if v == "" {
				v = defaultSpoolDir(c.DatabaseURL)
			}
			c.SpoolDir = v
			return nil
		},
		show: func(c *Config) string { return c.SpoolDir }},
	{Name: "VINSIGHT_SPOOL_MAX_BYTES", Default: "1073741824", Help: "worker: disk the spool may use, in bytes; beyond it (and a full memory buffer) results are dropped and counted in `vinsight_ingest_dropped_total`",
		apply: intIn(func(c *Config) *int { return &c.SpoolMaxBytes }, 1<<20, math.MaxInt),
		show:  func(c *Config) string { return strconv.Itoa(c.SpoolMaxBytes) }},
	{Name: "VINSIGHT_PROBE_CONCURRENCY", Default: "500", Help: "worker: probes running at once; more wait their turn",
		apply: intIn(func(c *Config) *int { return &c.ProbeConcurrency }, 1, 100000),
		show:  func(c *Config) string { return strconv.Itoa(c.ProbeConcurrency) }},
	{Name: "VINSIGHT_NOTIFY_MAX_ATTEMPTS", Default: "10", Help: "worker: attempts at one notification over one channel before it is given up",
		apply: intIn(func(c *Config) *int { return &c.NotifyMaxAttempts }, 1, 100),
		show:  func(c *Config) string { return strconv.Itoa(c.NotifyMaxAttempts) }},
	{Name: "VINSIGHT_NOTIFY_RETRY_BASE", Default: "5s", Help: "worker: wait before the second attempt; it doubles with every attempt (jittered, at most 15 minutes)",
		apply: durationIn(func(c *Config) *time.Duration { return &c.NotifyRetryBase }, 10*time.Millisecond, time.Hour),
		show:  func(c *Config) string { return c.NotifyRetryBase.String() }},
	{Name: "VINSIGHT_NOTIFY_CONCURRENCY", Default: "32", Help: "worker: notifications sent at once",
		apply: intIn(func(c *Config) *int { return &c.NotifyConcurrency }, 1, 1000),
		show:  func(c *Config) string { return strconv.Itoa(c.NotifyConcurrency) }},
	{Name: "VINSIGHT_NOTIFY_TIMEOUT", Default: "10s", Help: "worker: longest one delivery attempt may take",
		apply: durationIn(func(c *Config) *time.Duration { return &c.NotifyTimeout }, 100*time.Millisecond, 5*time.Minute),
		show:  func(c *Config) string { return c.NotifyTimeout.String() }},
}

func intIn(field func(*Config) *int, lo, hi int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be an integer from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

func durationIn(field func(*Config) *time.Duration, lo, hi time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("must be a duration such as 30s or 2m, from %s to %s", lo, hi)
		}
		*field(c) = d
		return nil
	}
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		*field(c) = b
		return nil
	}
}

func oneOf(field func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.ToLower(v)
		for _, a := range allowed {
			if v == a {
				*field(c) = v
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

// decodeKey accepts a key as hex or standard/URL base64.
func decodeKey(v string) []byte {
	if b, err := hex.DecodeString(v); err == nil {
		return b
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			return b
		}
	}
	return nil
}

// defaultSpoolDir is a spool directory per database, so that results spooled
// for one database are never drained into another one (a changed
// DATABASE_URL, several test clusters on one machine).
func defaultSpoolDir(databaseURL string) string {
	name := "default"
	if u, err := url.Parse(databaseURL); err == nil && databaseURL != "" {
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "localhost"
		}
		if port == "" {
			port = "5432"
		}
		name = host + "-" + port + "-" + strings.TrimPrefix(u.Path, "/")
	}
	safe := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return r
		}
		return '_'
	}, name)
	return filepath.Join(os.TempDir(), "vinsight-spool", safe)
}
