#!/usr/bin/env bash
# The real stack for the end-to-end tests: `make serve`'s server (Ray Serve ingress, durable jobs)
# with test settings: a fresh SQLite and media in a temp dir, few-second films, no rate limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
var="$(mktemp -d /tmp/filmstudio-e2e.XXXXXX)"
trap 'rm -rf "$var"' EXIT
export FILMSTUDIO_VAR_DIR="$var" FILMSTUDIO_MIN_DURATION=2 FILMSTUDIO_RATE_LIMIT_REQUESTS=0
export FILMSTUDIO_ADMIN_EMAILS='["admin@e2e.test"]' FILMSTUDIO_ARGON2_TIME_COST=1
export FILMSTUDIO_ARGON2_MEMORY_KIB=8192 FILMSTUDIO_ARGON2_PARALLELISM=1
# The browser tests sign up and render at once; the emailed verification link is tested in
# the API suite (tests/serve_apps/api/test_recovery.py).
export FILMSTUDIO_REQUIRE_VERIFIED_EMAIL=false
# Ray Serve's Python HTTP proxy: HAProxy's fixed stats/metrics ports (8404, 9101) collide with
# any other studio on the machine, and a killed test server can leave it behind.
export RAY_SERVE_ENABLE_HA_PROXY=0 RAY_SERVE_THROUGHPUT_OPTIMIZED=0
unset DATABASE_URL REDIS_URL
.venv/bin/python -m filmstudio.server --port "${E2E_PORT:-8765}"
