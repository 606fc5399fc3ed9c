#!/usr/bin/env bash
# Start moto server (the AWS emulator LocalStack builds on) on 127.0.0.1:4566 for the `aws` test project.
# Idempotent: installs moto[server] from PyPI into a venv once, starts the server only when it is not
# already answering, and always prints the endpoint line for `export`/`env`.
#   HCB_MOTO_DIR  state folder (venv, PID file, log), default /var/lib/hcb-moto
#   HCB_MOTO_PORT port, default 4566 (the LocalStack port; 5000 is Keystone's)
# Stop with scripts/moto-down.sh.
set -Eeuo pipefail

DIR="${HCB_MOTO_DIR:-/var/lib/hcb-moto}"
PORT="${HCB_MOTO_PORT:-4566}"
VENV="$DIR/venv"
PIDFILE="$DIR/moto.pid"
LOGFILE="$DIR/moto.log"
# The system interpreter, not a pyenv shim that may come and go.
PY=/usr/bin/python3

log() { printf '[moto-up %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/moto-api/" 2>/dev/null; }

# A PID counts only if it is alive and is our moto_server (guards against PID reuse).
our_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "moto_server" || return 1
  echo "$pid"
}

done_line() { echo "AWS_ENDPOINT_URL=http://127.0.0.1:$PORT"; }

# Warm path: already running and answering.
if our_pid >/dev/null && answers; then
  done_line
  exit 0
fi

mkdir -p "$DIR"
chmod 700 "$DIR"

if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
  log "installing python3-venv"
  [ "$(id -u)" = 0 ] || { echo "python3-venv is missing and installing it needs root" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi

if [ ! -x "$VENV/bin/moto_server" ]; then
  log "creating venv and installing moto[server] (one-off, ~1 min)"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check 'moto[server]' >"$DIR/install.log" 2>&1; then
    echo "pip install moto[server] failed; last lines of $DIR/install.log:" >&2
    tail -n 40 "$DIR/install.log" >&2
    exit 1
  fi
fi

if answers; then
  # Something else (another moto, a LocalStack) already serves this port: use it rather than fight it.
  log "port $PORT already answers (not our PID file); leaving it as it is"
  done_line
  exit 0
fi

log "starting moto_server $("$VENV/bin/python" -c 'import moto; print(moto.__version__)') on 127.0.0.1:$PORT"
echo "=== $(date -Is) starting" >>"$LOGFILE"
setsid nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >>"$LOGFILE" 2>&1 </dev/null &
echo $! >"$PIDFILE"

for _ in $(seq 1 120); do
  if answers; then
    done_line
    exit 0
  fi
  if ! our_pid >/dev/null; then
    echo "moto_server exited; last lines of $LOGFILE:" >&2
    tail -n 40 "$LOGFILE" >&2
    exit 1
  fi
  sleep 0.5
done
echo "moto_server did not answer on port $PORT within 60 s; see $LOGFILE" >&2
exit 1
