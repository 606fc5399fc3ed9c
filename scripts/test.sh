#!/usr/bin/env bash
# `npm test`: every test, on a fresh machine too. Brings up what the tests need (idempotently: quick when
# it is already running), then typechecks, lints and runs all vitest projects:
#   unit       — unit, API, sandbox contract, policy and CDK tests (no outside services)
#   openstack  — the OpenStack connector and end-to-end tests against real OpenStack on 127.0.0.1
#   aws        — the AWS connector and end-to-end tests against moto server (LocalStack-compatible)
#   fuzz       — Schemathesis against the embedded default's OpenAPI document, every check
#   e2e        — the `npm start` process over HTTP: the lifecycle suite, the phi matrix, CPU while idle
#   serverless — the same lifecycle and phi suites against the synthesised Lambda bundles (local runtime),
#                plus the deployed-shape proofs (worker killed, poison message, region lost)
#   portal, portal-hooks — the admin portal
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "AWS emulator (moto server on 127.0.0.1:4566)"
bash scripts/moto-up.sh
step "OpenStack on 127.0.0.1 (Debian packages, fake drivers)"
bash scripts/openstack-up.sh
step "Schemathesis (pinned, PyPI venv) for the fuzz project"
bash scripts/schemathesis.sh

step "Admin portal: Debian's chromium for its browser tests, and the built app"
command -v chromium >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}
# Built every run (a few seconds), so the browser tests never drive a build older than the sources.
[ -d portal/node_modules ] || npm --prefix portal ci --no-audit --no-fund
npm --prefix portal run build >/dev/null

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export HCB_OPENSTACK_ENV="${HCB_OPENSTACK_ENV:-/var/lib/hcb-openstack/openstack.env}"

step "typecheck"
npx tsc -p .
npx tsc -p portal
step "lint"
npx biome ci .
step "tests"
npx vitest run --project unit --project e2e --project openstack --project aws --project serverless \
  --project fuzz --project portal --project portal-hooks
