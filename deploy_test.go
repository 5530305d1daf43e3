package vinsight_test

// These tests keep the deployment files correct on machines without a Docker
// engine: docker-compose.yml is loaded with compose-go (the loader Docker
// Compose itself uses), the Dockerfiles with BuildKit's parser and linter, the
// .dockerignore with BuildKit's pattern matcher, and the Grafana provisioning
// as plain YAML and JSON. No network, no containers.

import (
	"cmp"
	"context"
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const (
	composeFile = "docker-compose.yml"
	testSecret  = "test-secret-key-not-for-production"

	grafanaProvisioningDir = "/etc/grafana/provisioning"
	grafanaDashboardsDir   = "/var/lib/grafana/dashboards"
	prometheusConfigFile   = "/etc/prometheus/prometheus.yml"
)

// loadCompose interpolates docker-compose.yml with env and nothing else: no
// OS environment and no .env file, so the result does not depend on the machine.
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var pairs []string
	for k, v := range env {
		pairs = append(pairs, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithWorkingDirectory("."),
		cli.WithEnv(pairs),
	)
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

// mustLoadCompose loads the compose file with only the required variable set,
// which proves every other variable has a default.
func mustLoadCompose(t *testing.T) *types.Project {
	t.Helper()
	project, err := loadCompose(t, map[string]string{"VINSIGHT_SECRET_KEY": testSecret})
	require.NoError(t, err, "load %s", composeFile)
	return project
}

func mustService(t *testing.T, project *types.Project, name string) types.ServiceConfig {
	t.Helper()
	svc, err := project.GetService(name)
	require.NoError(t, err)
	return svc
}

func TestComposeServices(t *testing.T) {
	project := mustLoadCompose(t)

	assert.ElementsMatch(t,
		[]string{"db", "backend", "worker", "frontend", "grafana", "prometheus"},
		project.ServiceNames())

	for _, svc := range project.Services {
		t.Run(svc.Name, func(t *testing.T) {
			assert.Equal(t, "unless-stopped", svc.Restart, "restart policy")
			if assert.NotNil(t, svc.HealthCheck, "every service needs a healthcheck") {
				assert.False(t, svc.HealthCheck.Disable, "healthcheck disabled")
				require.NotEmpty(t, svc.HealthCheck.Test)
				assert.Contains(t, []string{"CMD", "CMD-SHELL"}, svc.HealthCheck.Test[0])
			}
			// Short-form depends_on means service_started, which races start-up.
			for dep, d := range svc.DependsOn {
				assert.Equal(t, types.ServiceConditionHealthy, d.Condition, "depends_on %s", dep)
			}
			if svc.Build == nil {
				image, tag, _ := strings.Cut(svc.Image, ":")
				assert.NotEmpty(t, image)
				assert.Regexp(t, `^v?\d+\.\d+\.\d+`, tag, "image %q must be pinned to a version", svc.Image)
			}
		})
	}
}

func TestComposeStartupOrder(t *testing.T) {
	project := mustLoadCompose(t)

	tests := []struct {
		service, dependsOn, why string
	}{
		{"backend", "db", "migrations run at start and need the database"},
		{"worker", "backend", "the worker refuses to start on a schema that is behind"},
		{"frontend", "backend", "every page reads from the backend"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			dep, ok := mustService(t, project, tt.service).DependsOn[tt.dependsOn]
			require.True(t, ok, "%s must depend on %s: %s", tt.service, tt.dependsOn, tt.why)
			assert.Equal(t, types.ServiceConditionHealthy, dep.Condition, tt.why)
		})
	}

	// Dependents wait for "healthy", so the backend is healthy only once
	// migrations are current, which is what /ready reports (/health does not).
	backend := mustService(t, project, "backend")
	require.NotNil(t, backend.HealthCheck)
	assert.Contains(t, strings.Join(backend.HealthCheck.Test, " "), "/ready")
}

func TestComposePorts(t *testing.T) {
	project := mustLoadCompose(t)

	tests := []struct {
		service   string
		target    uint32
		published string
	}{
		{"backend", 8080, "8080"},
		{"worker", 8081, "8081"},
		{"frontend", 3000, "3000"},
		{"grafana", 3000, "3001"},
		{"prometheus", 9090, "9090"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			var published []string
			for _, p := range mustService(t, project, tt.service).Ports {
				if p.Target == tt.target {
					published = append(published, p.Published)
				}
			}
			assert.Equal(t, []string{tt.published}, published,
				"%s container port %d", tt.service, tt.target)
		})
	}

	assert.Empty(t, mustService(t, project, "db").Ports, "the database stays on the compose network")
}

func TestComposeEnvironment(t *testing.T) {
	project := mustLoadCompose(t)

	tests := []struct {
		service, name string
		check         func(t *testing.T, value string)
	}{
		{"backend", "DATABASE_URL", hostIs("db:5432")},
		{"backend", "VINSIGHT_STORAGE", equals("timescale")},
		{"backend", "VINSIGHT_SECRET_KEY", equals(testSecret)},
		{"backend", "GRAFANA_URL", hostIs("grafana:3000")},
		{"backend", "GRAFANA_ADMIN_USER", notEmpty},
		{"backend", "GRAFANA_ADMIN_PASSWORD", notEmpty},
		{"backend", "LOG_LEVEL", notEmpty},
		{"worker", "DATABASE_URL", hostIs("db:5432")},
		{"worker", "VINSIGHT_STORAGE", equals("timescale")},
		{"worker", "VINSIGHT_SECRET_KEY", equals(testSecret)},
		{"worker", "REGION", notEmpty},
		{"frontend", "BACKEND_URL", hostIs("backend:8080")},
		{"grafana", "GF_SECURITY_ADMIN_USER", notEmpty},
		{"grafana", "GF_SECURITY_ADMIN_PASSWORD", notEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.service+"/"+tt.name, func(t *testing.T) {
			value := mustService(t, project, tt.service).Environment[tt.name]
			require.NotNil(t, value, "%s is not set for %s", tt.name, tt.service)
			tt.check(t, *value)
		})
	}

	// The backend provisions Grafana with the credentials Grafana starts with.
	backend := mustService(t, project, "backend").Environment
	grafana := mustService(t, project, "grafana").Environment
	assert.Equal(t, *backend["GRAFANA_ADMIN_USER"], *grafana["GF_SECURITY_ADMIN_USER"])
	assert.Equal(t, *backend["GRAFANA_ADMIN_PASSWORD"], *grafana["GF_SECURITY_ADMIN_PASSWORD"])
}

func equals(want string) func(*testing.T, string) {
	return func(t *testing.T, got string) { assert.Equal(t, want, got) }
}

func notEmpty(t *testing.T, got string) { assert.NotEmpty(t, got) }

func hostIs(want string) func(*testing.T, string) {
	return func(t *testing.T, got string) {
		u, err := url.Parse(got)
		require.NoError(t, err)
		assert.Equal(t, want, u.Host, "host of %s", got)
	}
}

func TestComposeRequiresSecretKey(t *testing.T) {
	tests := map[string]map[string]string{
		"unset": {},
		"empty": {"VINSIGHT_SECRET_KEY": ""},
	}
	for name, env := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := loadCompose(t, env)
			require.Error(t, err, "compose must refuse to start without a secret key")
			assert.ErrorContains(t, err, "VINSIGHT_SECRET_KEY")
		})
	}
}

func TestComposeDatabaseImage(t *testing.T) {
	image := mustService(t, mustLoadCompose(t), "db").Image
	name, tag, _ := strings.Cut(image, ":")
	assert.Equal(t, "timescale/timescaledb", name)
	assert.Regexp(t, `^2\.\d+\.\d+-pg17$`, tag)
}

func TestComposeVolumes(t *testing.T) {
	project := mustLoadCompose(t)

	persistent := []struct{ service, target string }{
		{"db", "/var/lib/postgresql/data"},
		{"grafana", "/var/lib/grafana"},
		{"prometheus", "/prometheus"},
	}
	for _, tt := range persistent {
		t.Run(tt.service+tt.target, func(t *testing.T) {
			m, ok := findMount(mustService(t, project, tt.service), tt.target)
			require.True(t, ok, "%s has no volume at %s", tt.service, tt.target)
			assert.Equal(t, types.VolumeTypeVolume, m.Type, "data must live in a named volume")
		})
	}

	for _, svc := range project.Services {
		for _, m := range svc.Volumes {
			switch m.Type {
			case types.VolumeTypeVolume:
				assert.Contains(t, project.Volumes, m.Source, "%s: volume %q must be declared at the top level", svc.Name, m.Source)
			case types.VolumeTypeBind:
				assert.True(t, m.ReadOnly, "%s: bind mount %s must be read-only", svc.Name, m.Source)
				assert.DirExists(t, m.Source)
			default:
				t.Errorf("%s: unexpected %s mount at %s", svc.Name, m.Type, m.Target)
			}
		}
	}
}

func TestComposeGrafanaMounts(t *testing.T) {
	grafana := mustService(t, mustLoadCompose(t), "grafana")

	tests := []struct{ target, source string }{
		{grafanaProvisioningDir, "grafana/provisioning"},
		{grafanaDashboardsDir, "grafana/dashboards"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			m, ok := findMount(grafana, tt.target)
			require.True(t, ok, "grafana must mount %s at %s", tt.source, tt.target)
			assert.Equal(t, types.VolumeTypeBind, m.Type)
			assert.True(t, strings.HasSuffix(filepath.ToSlash(m.Source), "/"+tt.source), "source %s", m.Source)
			assert.True(t, m.ReadOnly)
		})
	}
}

func findMount(svc types.ServiceConfig, target string) (types.ServiceVolumeConfig, bool) {
	for _, m := range svc.Volumes {
		if m.Target == target {
			return m, true
		}
	}
	return types.ServiceVolumeConfig{}, false
}

// prometheusConfig is the part of prometheus.yml this test reads.
type prometheusConfig struct {
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

func TestComposePrometheusScrapesServices(t *testing.T) {
	project := mustLoadCompose(t)
	prometheus := mustService(t, project, "prometheus")

	assert.Contains(t, prometheus.Command, "--config.file="+prometheusConfigFile)

	var source string
	for _, c := range prometheus.Configs {
		if c.Target == prometheusConfigFile {
			source = c.Source
		}
	}
	require.NotEmpty(t, source, "prometheus must mount a config at %s", prometheusConfigFile)
	cfg, ok := project.Configs[source]
	require.True(t, ok, "config %q is not declared at the top level", source)
	require.NotEmpty(t, cfg.Content, "config %q must be given inline with content:", source)

	var parsed prometheusConfig
	require.NoError(t, yaml.Unmarshal([]byte(cfg.Content), &parsed))

	scraped := map[string]string{} // target -> metrics path
	for _, sc := range parsed.ScrapeConfigs {
		path := cmp.Or(sc.MetricsPath, "/metrics")
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				scraped[target] = path
			}
		}
	}
	for _, target := range []string{"backend:8080", "worker:8081"} {
		if assert.Contains(t, scraped, target, "prometheus must scrape %s", target) {
			assert.Equal(t, "/metrics", scraped[target])
		}
	}
}

func TestComposeBuildContexts(t *testing.T) {
	project := mustLoadCompose(t)

	for _, name := range []string{"backend", "worker", "frontend"} {
		t.Run(name, func(t *testing.T) {
			build := mustService(t, project, name).Build
			require.NotNil(t, build, "%s is built from this repository", name)
			assert.DirExists(t, build.Context)
			dockerfile := build.Dockerfile
			if !filepath.IsAbs(dockerfile) {
				dockerfile = filepath.Join(build.Context, dockerfile)
			}
			assert.FileExists(t, dockerfile)
			assert.Equal(t, filepath.Join(name, "Dockerfile"), relToRepo(t, dockerfile))
		})
	}
}

func relToRepo(t *testing.T, path string) string {
	t.Helper()
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	rel, err := filepath.Rel(root, path)
	require.NoError(t, err)
	return rel
}

// dockerfile is a parsed Dockerfile: its stages, in order.
type dockerfile struct {
	stages []instructions.Stage
}

func parseDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()

	result, err := parser.Parse(f)
	require.NoError(t, err, "parse %s", path)
	for _, w := range result.Warnings {
		t.Errorf("%s: %s", path, w.Short)
	}

	var lints []string
	lint := linter.New(&linter.Config{
		Warn: func(rule, _, _, msg string, _ []parser.Range) { lints = append(lints, rule+": "+msg) },
	})
	stages, _, err := instructions.Parse(result.AST, lint)
	require.NoError(t, err, "parse %s", path)
	assert.Empty(t, lints, "BuildKit lint warnings in %s", path)
	return dockerfile{stages: stages}
}

// commands returns the commands of type T in a stage, in order.
func commands[T instructions.Command](stage instructions.Stage) []T {
	var out []T
	for _, c := range stage.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestDockerfiles(t *testing.T) {
	project := mustLoadCompose(t)
	goMinor := goDirectiveMinor(t)
	ignore := loadDockerignore(t)

	tests := []struct {
		service   string
		port      string
		goPackage string // empty for the frontend
	}{
		{"backend", "8080", "./backend"},
		{"worker", "8081", "./worker"},
		{"frontend", "3000", ""},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			svc := mustService(t, project, tt.service)
			require.NotNil(t, svc.Build)
			df := parseDockerfile(t, filepath.Join(tt.service, "Dockerfile"))
			require.GreaterOrEqual(t, len(df.stages), 2, "multi-stage: build and runtime")
			final := df.stages[len(df.stages)-1]

			users := commands[*instructions.UserCommand](final)
			if assert.NotEmpty(t, users, "final stage must set USER") {
				user, _, _ := strings.Cut(users[len(users)-1].User, ":")
				uid, err := strconv.Atoi(user)
				if assert.NoError(t, err, "USER must be numeric so runAsNonRoot can verify it") {
					assert.NotZero(t, uid, "USER must not be root")
				}
			}

			var exposed []string
			for _, e := range commands[*instructions.ExposeCommand](final) {
				for _, p := range e.Ports {
					port, _, _ := strings.Cut(p, "/")
					exposed = append(exposed, port)
				}
			}
			assert.Contains(t, exposed, tt.port, "EXPOSE")

			healthchecks := commands[*instructions.HealthCheckCommand](final)
			inImage := len(healthchecks) > 0 && healthchecks[0].Health != nil &&
				len(healthchecks[0].Health.Test) > 0 && healthchecks[0].Health.Test[0] != "NONE"
			assert.True(t, inImage || svc.HealthCheck != nil, "no HEALTHCHECK in the image and none in compose")

			// Every COPY from the build context names a file that exists and is
			// not excluded by .dockerignore.
			for _, stage := range df.stages {
				for _, c := range commands[*instructions.CopyCommand](stage) {
					if c.From != "" {
						continue
					}
					for _, src := range c.SourcePaths {
						_, err := os.Stat(filepath.Join(svc.Build.Context, src))
						assert.NoError(t, err, "COPY source %s", src)
						if src := filepath.Clean(src); src != "." {
							ignored, err := ignore.MatchesOrParentMatches(src)
							require.NoError(t, err)
							assert.False(t, ignored, "COPY source %s is excluded by .dockerignore", src)
						}
					}
				}
			}

			if tt.goPackage != "" {
				checkGoBuildStage(t, df.stages[0], tt.goPackage, goMinor)
				assert.NotContains(t, final.BaseName, "golang", "the runtime image carries the binary, not the toolchain")
			}
		})
	}
}

// checkGoBuildStage checks the Go build stage: the toolchain matches go.mod,
// modules are downloaded in their own cached layer, and the binary is the
// right package, static and reproducible.
func checkGoBuildStage(t *testing.T, stage instructions.Stage, pkg, goMinor string) {
	t.Helper()
	assert.True(t, strings.HasPrefix(stage.BaseName, "golang:"+goMinor),
		"build image %s must match go.mod's go %s", stage.BaseName, goMinor)

	step := func(match func(instructions.Command) bool) int {
		return slices.IndexFunc(stage.Commands, match)
	}
	copyModules := step(func(c instructions.Command) bool {
		cp, ok := c.(*instructions.CopyCommand)
		return ok && slices.Contains(cp.SourcePaths, "go.mod") && slices.Contains(cp.SourcePaths, "go.sum")
	})
	download := step(func(c instructions.Command) bool { return strings.Contains(runLine(c), "go mod download") })
	copySources := step(func(c instructions.Command) bool {
		cp, ok := c.(*instructions.CopyCommand)
		return ok && slices.Contains(cp.SourcePaths, ".")
	})
	build := step(func(c instructions.Command) bool { return strings.Contains(runLine(c), "go build") })

	require.NotEqual(t, -1, build, "no go build step")
	assert.True(t, copyModules >= 0 && copyModules < download && download < copySources && copySources < build,
		"want COPY go.mod go.sum, RUN go mod download, COPY . ., RUN go build; got steps %d, %d, %d, %d",
		copyModules, download, copySources, build)

	line := runLine(stage.Commands[build])
	fields := strings.Fields(line)
	assert.Contains(t, fields, pkg, "go build must build %s: %s", pkg, line)
	assert.Contains(t, fields, "CGO_ENABLED=0")
	assert.Contains(t, fields, "-trimpath")
	assert.Contains(t, line, `-ldflags "-s -w"`)
}

func runLine(c instructions.Command) string {
	run, ok := c.(*instructions.RunCommand)
	if !ok {
		return ""
	}
	return strings.Join(run.CmdLine, " ")
}

// goDirectiveMinor returns the language version of go.mod as "1.N".
func goDirectiveMinor(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(data)
	require.NotNil(t, m, "go directive in go.mod")
	return string(m[1])
}

// loadDockerignore reads .dockerignore, which applies to every image: all
// three are built from the repository root.
func loadDockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(".dockerignore")
	require.NoError(t, err)
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	require.NoError(t, err)
	pm, err := patternmatcher.New(patterns)
	require.NoError(t, err)
	return pm
}

func TestDockerignore(t *testing.T) {
	pm := loadDockerignore(t)

	tests := []struct {
		path     string
		excluded bool
	}{
		{".git/HEAD", true},
		{".data/pg/PG_VERSION", true},
		{".env", true},
		{"frontend/node_modules/svelte/package.json", true},
		{"frontend/build/index.js", true},
		{"frontend/.svelte-kit/output/server/index.js", true},
		{"go.mod", false},
		{"go.sum", false},
		{"backend/main.go", false},
		{"worker/main.go", false},
		{"internal/store/monitor.go", false},
		{"migrations/000001_accounts.up.sql", false},
		{"frontend/package.json", false},
		{"frontend/package-lock.json", false},
		{"frontend/src/app.html", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			excluded, err := pm.MatchesOrParentMatches(tt.path)
			require.NoError(t, err)
			assert.Equal(t, tt.excluded, excluded)
		})
	}
}

// provisioningFile is the part of a Grafana provisioning file this test reads.
type provisioningFile struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		UID  string `yaml:"uid"`
		Type string `yaml:"type"`
		URL  string `yaml:"url"`
	} `yaml:"datasources"`
	Providers []struct {
		Options struct {
			Path string `yaml:"path"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

func TestGrafanaProvisioning(t *testing.T) {
	var files []provisioningFile

	err := filepath.WalkDir("grafana/provisioning", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		if ext != ".yml" && ext != ".yaml" {
			return nil
		}
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var file provisioningFile
			require.NoError(t, yaml.Unmarshal(data, &file))
			assert.Equal(t, 1, file.APIVersion)
			files = append(files, file)
		})
		return nil
	})
	require.NoError(t, err)

	var prometheusURL string
	var providerPaths []string
	for _, file := range files {
		for _, ds := range file.Datasources {
			if ds.UID == "prometheus" {
				prometheusURL = ds.URL
				assert.Equal(t, "prometheus", ds.Type)
			}
		}
		for _, p := range file.Providers {
			providerPaths = append(providerPaths, p.Options.Path)
		}
	}
	assert.Equal(t, "http://prometheus:9090", prometheusURL, "datasource with uid prometheus")
	// Providers read where docker-compose.yml mounts grafana/dashboards.
	assert.Equal(t, []string{grafanaDashboardsDir}, providerPaths)
}

// grafanaDashboard is the part of a dashboard JSON this test reads.
type grafanaDashboard struct {
	UID    string         `json:"uid"`
	Title  string         `json:"title"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaPanel struct {
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	Targets    []struct {
		RefID      string          `json:"refId"`
		Expr       string          `json:"expr"`
		Datasource json.RawMessage `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // a collapsed row holds its panels
}

// datasourceUID reads a panel's datasource, an object with a uid or, in
// older dashboards, a plain name.
func datasourceUID(raw json.RawMessage) string {
	var ref struct {
		UID string `json:"uid"`
	}
	if json.Unmarshal(raw, &ref) == nil {
		return ref.UID
	}
	var name string
	_ = json.Unmarshal(raw, &name)
	return name
}

func TestGrafanaDashboards(t *testing.T) {
	files, err := filepath.Glob("grafana/dashboards/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	uids := map[string]string{}
	exprs := map[string][]string{} // file -> every PromQL expression in it
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var d grafanaDashboard
			require.NoError(t, json.Unmarshal(data, &d))

			assert.NotEmpty(t, d.Title, "title")
			assert.NotEmpty(t, d.UID, "uid")
			assert.LessOrEqual(t, len(d.UID), 40, "Grafana rejects longer uids")
			if other, dup := uids[d.UID]; dup {
				t.Errorf("uid %q is also used by %s", d.UID, other)
			}
			uids[d.UID] = path

			panels := flattenPanels(d.Panels)
			require.NotEmpty(t, panels, "panels")
			for _, p := range panels {
				assert.NotEmpty(t, p.Title, "panel title")
				assert.NotEmpty(t, p.Targets, "panel %q has no queries", p.Title)
				refIDs := map[string]bool{}
				for _, target := range p.Targets {
					assert.NotEmpty(t, target.Expr, "panel %q", p.Title)
					assert.False(t, refIDs[target.RefID], "panel %q repeats refId %q", p.Title, target.RefID)
					refIDs[target.RefID] = true
					exprs[path] = append(exprs[path], target.Expr)
				}
			}
		})
	}

	// The platform dashboard covers every metric the services export about themselves.
	platform := exprs["grafana/dashboards/platform.json"]
	for _, metric := range []string{
		"vinsight_http_requests_total",
		"vinsight_http_request_duration_seconds_bucket",
		"vinsight_checks_total",
		"vinsight_schedule_lag_seconds_bucket",
		"vinsight_ingest_batch_size_bucket",
		"vinsight_ingest_batch_duration_seconds_bucket",
		"vinsight_ingest_queue_depth",
		"vinsight_ingest_errors_total",
		"up{",
	} {
		queried := slices.ContainsFunc(platform, func(expr string) bool { return strings.Contains(expr, metric) })
		assert.True(t, queried, "no panel of the platform dashboard queries %s", metric)
	}
}

func TestPlatformDashboardUsesProvisionedDatasource(t *testing.T) {
	data, err := os.ReadFile("grafana/dashboards/platform.json")
	require.NoError(t, err)
	var d grafanaDashboard
	require.NoError(t, json.Unmarshal(data, &d))

	assert.Equal(t, "Platform operations", d.Title)
	for _, p := range flattenPanels(d.Panels) {
		assert.Equal(t, "prometheus", datasourceUID(p.Datasource), "panel %q", p.Title)
		for _, target := range p.Targets {
			assert.Equal(t, "prometheus", datasourceUID(target.Datasource), "panel %q target %s", p.Title, target.RefID)
		}
	}
}

// flattenPanels returns the panels that query data: rows are dropped and the
// panels of collapsed rows are included.
func flattenPanels(panels []grafanaPanel) []grafanaPanel {
	var out []grafanaPanel
	for _, p := range panels {
		if p.Type == "row" {
			out = append(out, flattenPanels(p.Panels)...)
			continue
		}
		out = append(out, p)
	}
	return out
}
