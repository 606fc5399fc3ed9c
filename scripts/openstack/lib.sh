# shellcheck shell=bash
# Shared helpers for openstack-up.sh / openstack-down.sh (sourced, not run).
# "doc:" marks a fact found by bringing the cloud up (see openstack-up.sh's header).

OS_DIR="${HCB_OPENSTACK_DIR:-/var/lib/hcb-openstack}"
PY=/usr/bin/python3   # doc: python3 on PATH may be a pyenv shim without OpenStack libs
RUN="$OS_DIR/run"
LOG="$OS_DIR/log"
ETC="$OS_DIR/etc"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Everything we run, in start order (doc: "Start order that avoids races").
ALL_SERVICES="memcached keystone swift-account swift-container swift-object swift-proxy glance
neutron placement nova-api nova-conductor nova-scheduler nova-compute nova-compute-2
cinder-api cinder-scheduler cinder-volume"

# The two fake compute hosts (a live migration moves a server from one to the other).
COMPUTE_HOST_1=host-ovs-filter-active
COMPUTE_HOST_2=host-ovs-no_filter

declare -A PORT=([keystone]=5000 [swift-proxy]=8080 [glance]=9292 [neutron]=9696
  [placement]=8778 [nova-api]=8774 [cinder-api]=8776 [memcached]=11211
  [swift-account]=6202 [swift-container]=6201 [swift-object]=6200)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# die SERVICE MESSAGE: report which service failed and the tail of its log.
die() {
  local svc="$1"; shift
  echo "ERROR: $svc: $*" >&2
  if [ -f "$LOG/$svc.log" ]; then
    echo "----- last 60 lines of $LOG/$svc.log -----" >&2
    tail -n 60 "$LOG/$svc.log" >&2
    echo "-----" >&2
  fi
  exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A PID file counts only if its process is alive and was started with our
# state dir on its command line (guards against PID reuse).
svc_pid() {
  local f="$RUN/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$OS_DIR" || return 1
  echo "$pid"
}
svc_alive() { svc_pid "$1" >/dev/null; }

# start_svc NAME CMD...: run CMD in its own session (so the whole process
# group can be stopped later), stdout+stderr to $LOG/NAME.log. No-op if alive.
start_svc() {
  local name="$1"; shift
  if svc_alive "$name"; then return 0; fi
  mkdir -p "$RUN" "$LOG"
  echo "=== $(date -Is) starting: $*" >>"$LOG/$name.log"
  setsid nohup "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  log "started $name (pid $!)"
}

# stop_svcs NAME...: TERM each process group at once, wait up to 30 s
# (doc: neutron-server can take ~20 s), then KILL what is left.
stop_svcs() {
  local name pid left
  declare -A pids=()
  for name in "$@"; do
    if pid=$(svc_pid "$name"); then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids[$name]=$pid
    fi
    rm -f "$RUN/$name.pid"
  done
  for _ in $(seq 1 60); do
    left=""
    for name in "${!pids[@]}"; do kill -0 "${pids[$name]}" 2>/dev/null && left+=" $name"; done
    [ -n "$left" ] || break
    sleep 0.5
  done
  for name in $left; do
    kill -KILL -- "-${pids[$name]}" 2>/dev/null || kill -KILL "${pids[$name]}" 2>/dev/null || true
    log "killed $name (pid ${pids[$name]}) after 30s"
  done
  [ ${#pids[@]} -eq 0 ] || log "stopped:$(printf ' %s' "${!pids[@]}")"
}

# wait_http NAME URL [TIMEOUT]: wait until URL answers with any HTTP status
# below 500 while NAME's process stays alive.
wait_http() {
  local name="$1" url="$2" timeout="${3:-120}" t0=$SECONDS code
  while :; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
    case "$code" in 2*|3*|401|404) return 0 ;; esac
    svc_alive "$name" || die "$name" "process exited while waiting for $url"
    [ $((SECONDS - t0)) -lt "$timeout" ] || die "$name" "no answer from $url after ${timeout}s (last HTTP status: $code)"
    sleep 1
  done
}

# Generated secrets, created once and kept (mode 600) in the state dir.
load_secrets() {
  local f="$OS_DIR/secrets.env" k
  mkdir -p "$OS_DIR"
  touch "$f"; chmod 600 "$f"
  for k in ADMIN_PASS HCB_PASS DB_PASS SERVICE_PASS SWIFT_HASH; do
    grep -q "^$k=" "$f" || echo "$k=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$f"
  done
  # shellcheck disable=SC1090
  . "$f"
}
