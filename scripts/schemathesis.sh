#!/usr/bin/env bash
# Install Schemathesis (pinned) from PyPI into a venv once, for the `fuzz` test project, and print the
# path of its CLI. Idempotent: quick when the pinned version is already there.
#   HCB_SCHEMATHESIS_DIR  state folder (venv, install log), default /var/lib/hcb-schemathesis
set -Eeuo pipefail

VERSION=4.32.5
DIR="${HCB_SCHEMATHESIS_DIR:-/var/lib/hcb-schemathesis}"
VENV="$DIR/venv"
# The system interpreter, not a pyenv shim that may come and go.
PY=/usr/bin/python3

log() { printf '[schemathesis %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

installed() {
  [ -x "$VENV/bin/st" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" = "$VERSION" ]
}

if ! installed; then
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
    log "installing python3-venv"
    [ "$(id -u)" = 0 ] || { echo "python3-venv is missing and installing it needs root" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  log "creating venv and installing schemathesis==$VERSION (one-off, ~1 min)"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "schemathesis==$VERSION" >"$DIR/install.log" 2>&1; then
    echo "pip install schemathesis==$VERSION failed; last lines of $DIR/install.log:" >&2
    tail -n 40 "$DIR/install.log" >&2
    exit 1
  fi
fi
echo "$VENV/bin/st"
