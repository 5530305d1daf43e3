# V-Insight: `make run` starts the whole stack, `make test` runs every test.
SHELL := /bin/bash
GO    ?= go
NPM   ?= npm

.PHONY: run test bench bench-ui build deps deps-postgres deps-prometheus deps-browser frontend-build go-test frontend-test e2e clean

run: deps build
	bin/devstack -backend bin/backend -worker bin/worker -frontend frontend

test: deps deps-browser build go-test frontend-test e2e

go-test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

frontend-test: frontend/node_modules/.installed
	cd frontend && $(NPM) test && $(NPM) run check

# Browser end-to-end: `make run`'s launcher on free ports, driven by Debian's chromium.
e2e: deps-browser build
	cd frontend && $(NPM) run test:e2e

# Write path; the analytics endpoints over 90 days of history of 1,000
# monitors (seeding takes 15 to 25 minutes); the probe engine: the worker
# binary just built probing 1,000 and 10,000 loopback monitors; alerting:
# 1,000 monitors down together, notifications to a loopback webhook; then the UI.
bench: deps bin/worker
	$(GO) run ./internal/bench -worker bin/worker
	$(MAKE) bench-ui

# The dashboard of 1,000 monitors in headless Chromium against the whole stack
# (about five minutes, most of it seeding history); never part of `make test`.
bench-ui: deps deps-browser build
	cd frontend && $(NPM) run bench:ui

build: bin/backend bin/worker bin/devstack frontend-build

bin/backend bin/worker: FORCE
	$(GO) build -o $@ ./$(notdir $@)

bin/devstack: FORCE
	$(GO) build -o $@ ./internal/devstack

frontend-build: frontend/node_modules/.installed
	cd frontend && $(NPM) run build

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	touch $@

deps: deps-postgres deps-prometheus frontend/node_modules/.installed
	$(GO) mod download

# The PostgreSQL server binaries: installed through apt-get when missing and
# running as root, otherwise a clear instruction.
deps-postgres:
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || [ -n "$$PG_BINDIR" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	else echo "PostgreSQL server binaries not found: install the 'postgresql' package (or set PG_BINDIR)"; exit 1; fi

# Debian's prometheus and promtool: a test scrapes the tenant export with a
# real Prometheus and checks it with promtool.
deps-prometheus:
	@if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus; \
	else echo "prometheus not found: install Debian's 'prometheus' package (the scrape test is skipped without it)"; fi

# Debian's chromium for the browser tests (a test tool's own download cannot work here).
deps-browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium not found: install Debian's 'chromium' package"; exit 1; fi

clean:
	rm -rf bin frontend/build frontend/.svelte-kit

FORCE:
