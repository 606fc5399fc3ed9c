#!/usr/bin/env bash
# Stop the moto server scripts/moto-up.sh started (by its PID file only; never by name). Idempotent.
# Moto keeps its state in memory, so the next moto-up.sh starts from an empty emulator; the venv stays.
set -Eeuo pipefail

DIR="${HCB_MOTO_DIR:-/var/lib/hcb-moto}"
PIDFILE="$DIR/moto.pid"

[ -s "$PIDFILE" ] || { echo "moto is not running (no PID file)"; exit 0; }
pid=$(cat "$PIDFILE")
if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- moto_server; then
  # setsid made it a group leader: stop the group (the server and any reloader child).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    [ -d "/proc/$pid" ] || break
    sleep 0.25
  done
  [ -d "/proc/$pid" ] && kill -KILL -- "-$pid" 2>/dev/null || true
  echo "moto stopped (pid $pid)"
else
  echo "moto is not running (stale PID file)"
fi
rm -f "$PIDFILE"
