#!/usr/bin/env bash
# Stop everything scripts/openstack-up.sh started, by PID file, in reverse
# start order. MariaDB / RabbitMQ are stopped only if openstack-up.sh started
# them (marker files); state (DBs, configs, storage) is kept, so the next
# openstack-up.sh is a restart, not a fresh install.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/openstack/lib.sh"
T0=$SECONDS

[ -d "$RUN" ] || { echo "nothing to stop ($RUN does not exist)"; exit 0; }

# Workers first (so they don't log errors about vanished APIs), then the rest.
# shellcheck disable=SC2086
stop_svcs nova-compute nova-compute-2 cinder-volume
# shellcheck disable=SC2086
stop_svcs $ALL_SERVICES

if [ -e "$RUN/started-rabbitmq" ]; then
  log "stopping RabbitMQ (started by openstack-up.sh)"
  rabbitmqctl stop >>"$LOG/rabbitmq.log" 2>&1 || true
  rm -f "$RUN/started-rabbitmq"
fi
if [ -e "$RUN/started-mariadb" ]; then
  log "stopping MariaDB (started by openstack-up.sh)"
  service mariadb stop >>"$LOG/mariadb.log" 2>&1 || true
  rm -f "$RUN/started-mariadb"
fi
log "OpenStack stopped in $((SECONDS - T0))s (state kept in $OS_DIR)"
