# AI Film Studio — every command a newcomer needs. Each target installs what it uses.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# Ray 2.60: the first ray.init() writes ~/.ray/auth_token; `ray start` then turns token auth on.
# Say which mode we use everywhere so clients and clusters agree.
export RAY_AUTH_MODE ?= token
export RAY_USAGE_STATS_ENABLED := 0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo demo-verse demo-chant test test-web web lint bench serve migrate backup restore clean

# The draft tier: pip only, no weights, no GPU.
$(VENV)/.draft: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

# The platform: database, auth, Redis, S3 clients.
$(VENV)/.api: $(VENV)/.draft
	$(BIN)/pip install -q -e ".[api]"
	touch $@

# Tests also exercise the platform and the studio tier (tiny models): torch 2.13.0 (CPU) first,
# so nothing pulls the multi-GB CUDA build.
$(VENV)/.test: $(VENV)/.draft
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[api,studio,test]"
	touch $@

install: $(VENV)/.draft

demo: $(VENV)/.draft
	$(BIN)/filmstudio render samples/sample.fountain --images samples/images \
		--duration 60 --seed 7 --burn-subtitles -o var/demo/film.mp4

# A poem recited line by line over a tanpura drone on C#3.
demo-verse: $(VENV)/.draft
	$(BIN)/filmstudio render samples/verse/evening.txt --form verse --music tanpura --tonic C#3 \
		--duration 60 --seed 7 --burn-subtitles -o var/demo/verse.mp4

# A Gita shloka chanted pāda by pāda on a recitation tone over tanpura and tabla (IAST under).
demo-chant: $(VENV)/.draft
	$(BIN)/filmstudio render samples/chant/gita.txt --language sa --music tanpura+tabla --tala keherwa --tonic C#3 \
		--subtitle-iast --duration 60 --seed 7 -o var/demo/chant.mp4

test: $(VENV)/.test
	$(BIN)/python -m pytest tests -m "not cluster"
	$(BIN)/python -m pytest tests -m cluster
	$(MAKE) test-web

# The web app (web/, Node >= 20): a static export the API serves at /. Rebuilt only when its
# sources changed (the stamp is newer than every source).
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/package.json \
	web/package-lock.json web/next.config.ts web/tsconfig.json web/postcss.config.mjs
web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/.build-stamp: web/node_modules/.installed $(WEB_SOURCES)
	cd web && NEXT_TELEMETRY_DISABLED=1 npm run build
	touch $@

web: web/.build-stamp

# Web tests: the generated client matches the API, Vitest units, then Playwright end to end in
# Debian's Chromium against the real stack (web/e2e/serve.sh: `make serve`'s server, test settings).
test-web: $(VENV)/.test web/.build-stamp
	$(BIN)/python -m serve_apps.api.openapi web/openapi.json
	cd web && npx openapi-ts >/dev/null
	git diff --exit-code --stat web/openapi.json web/src/client || \
		{ echo "web/src/client is stale: commit the regenerated client"; exit 1; }
	cd web && npx tsc --noEmit && npx vitest run
	cd web && npx playwright test

# The platform: API + durable jobs behind the Ray Serve ingress on http://127.0.0.1:8000.
serve: $(VENV)/.api web/.build-stamp
	$(BIN)/python -m filmstudio.server

migrate: $(VENV)/.api
	$(BIN)/python -m db.migrate

# A consistent copy of the database and the media, with SHA-256 checksums (TO=DIR|s3://…).
backup: $(VENV)/.api
	$(BIN)/filmstudio admin backup $(or $(TO),var/backups/$(shell date -u +%Y%m%dT%H%M%SZ))

# Bring a backup up on an empty database (a fresh machine), before the server first starts.
restore: $(VENV)/.api
	@test -n "$(FROM)" || { echo "usage: make restore FROM=DIR|s3://bucket/prefix" >&2; exit 2; }
	$(BIN)/filmstudio admin restore $(FROM)

# Style and layers: a climbing import or an unformatted file fails CI.
lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(VENV)/.test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf var/demo var/bench
