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
# The browser tests sign up and render at once; the mailed verification link is followed in
# e2e/account.spec.ts.
export FILMSTUDIO_REQUIRE_VERIFIED_EMAIL=false
# Ray Serve's Python HTTP proxy: HAProxy's fixed stats/metrics ports (8404, 9101) collide with
# any other studio on the machine, and a killed test server can leave it behind.
export RAY_SERVE_ENABLE_HA_PROXY=0 RAY_SERVE_THROUGHPUT_OPTIMIZED=0
unset DATABASE_URL REDIS_URL
# Mail goes to a real SMTP server on this machine (aiosmtpd) that files each message in a
# Maildir the tests read (E2E_MAILDIR, set by playwright.config.ts; made by aiosmtpd, which
# leaves an existing folder without its new/cur/tmp): the links a user would get.
port="${E2E_PORT:-8765}"
smtp_port="${E2E_SMTP_PORT:-$((port + 1))}"
mail="${E2E_MAILDIR:-$var/mail}"
.venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$mail" &
smtp=$!
trap 'kill "$smtp" 2>/dev/null; rm -rf "$var"' EXIT
export FILMSTUDIO_SMTP_HOST=127.0.0.1 FILMSTUDIO_SMTP_PORT="$smtp_port" FILMSTUDIO_SMTP_SECURITY=none
export FILMSTUDIO_PUBLIC_URL="http://127.0.0.1:$port" FILMSTUDIO_MAIL_INTERVAL_S=0
# Sign-in providers: an OpenID one the page only lists (signing in through OpenID Connect is
# tested in the API suite), and a fake GitHub on loopback speaking GitHub's OAuth flow and API
# (tests/utils/fake_github.py), signed in through in e2e/account.spec.ts.
github_port="${E2E_GITHUB_PORT:-$((port + 2))}"
.venv/bin/python -m tests.utils.fake_github --port "$github_port" &
github=$!
trap 'kill "$smtp" "$github" 2>/dev/null; rm -rf "$var"' EXIT
github_root="http://127.0.0.1:$github_port"
export FILMSTUDIO_OIDC_PROVIDERS='{"example": {"issuer": "http://127.0.0.1:9", "client_id": "studio", "client_secret": "e2e", "display_name": "Example ID"}, "github": {"kind": "github", "client_id": "Iv1.filmstudio-test", "client_secret": "gh-s3cret/with+symbols", "web_root": "'"$github_root"'", "api_root": "'"$github_root"'"}}'
.venv/bin/python -m filmstudio.server --port "$port"
