#!/usr/bin/env bash
# Bring up a real OpenStack (Zed, Debian 12's own packages) on 127.0.0.1 with
# fake drivers below the driver layer, for the broker's integration tests:
# Keystone, Swift, Glance, Placement, Nova (fake.FakeDriver), Cinder (fake
# volume driver), Neutron (ML2 'test' driver).
#
# Facts (packages, command lines, config lines, start order, readiness) found
# by bringing the cloud up are marked "doc:" where they are used; the ones that
# shape the connector are in docs/openstack.md ("Quirks found on the loopback cloud").
#
# Idempotent: a rerun with everything healthy only runs the smoke check.
# State (configs, PID files, logs, storage): $HCB_OPENSTACK_DIR, default
# /var/lib/hcb-openstack. Credentials: $HCB_OPENSTACK_DIR/openstack.env.
# Stop with scripts/openstack-down.sh.
set -Eeuo pipefail
T0=$SECONDS
HERE_UP="$(cd "$(dirname "$0")" && pwd)"
. "$HERE_UP/openstack/lib.sh"
. "$HERE_UP/openstack/install.sh"
. "$HERE_UP/openstack/services.sh"

[ "$(id -u)" = 0 ] || { echo "openstack-up.sh must run as root" >&2; exit 1; }
CUR_SVC=openstack-up
trap 'rc=$?; die "$CUR_SVC" "command failed (exit $rc) at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND"' ERR
mkdir -p "$RUN" "$LOG"
chmod 700 "$OS_DIR"

# Everything alive and the smoke check passes: nothing to do.
all_healthy() {
  local s
  [ -f "$OS_DIR/openstack.env" ] && [ -e "$OS_DIR/done/resources" ] || return 1
  port_open 3306 && port_open 5672 && port_open 11211 || return 1
  for s in $ALL_SERVICES; do
    [ "$s" = memcached ] && continue  # may be someone else's: the port is enough
    svc_alive "$s" || return 1
    if [ -n "${PORT[$s]:-}" ]; then port_open "${PORT[$s]}" || return 1; fi
  done
  return 0
}

smoke() {
  CUR_SVC=smoke
  ADMIN_PASS="$ADMIN_PASS" HCB_PASS="$HCB_PASS" "$PY" "$HERE/check.py" smoke >"$LOG/smoke.log" 2>&1 || return 1
  cat "$LOG/smoke.log"
}

report() {
  cat >"$OS_DIR/openstack.env" <<EOF
OS_AUTH_URL=http://127.0.0.1:5000/v3
OS_IDENTITY_API_VERSION=3
OS_INTERFACE=public
OS_REGION_NAME=RegionOne
OS_USERNAME=hcb
OS_PASSWORD=$HCB_PASS
OS_PROJECT_NAME=hcb
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_ADMIN_USERNAME=admin
OS_ADMIN_PASSWORD=$ADMIN_PASS
OS_ADMIN_PROJECT_NAME=admin
HCB_OPENSTACK_NETWORK=hcb-net
HCB_OPENSTACK_IMAGE=ubuntu-24.04
HCB_OPENSTACK_FLAVOR=m1.small
EOF
  chmod 600 "$OS_DIR/openstack.env"
  cat <<EOF
OpenStack is up (region RegionOne, all on 127.0.0.1):
  identity      http://127.0.0.1:5000/v3
  object-store  http://127.0.0.1:8080/v1/AUTH_%(project_id)s   (tempurl, keystoneauth)
  image         http://127.0.0.1:9292
  placement     http://127.0.0.1:8778
  compute       http://127.0.0.1:8774/v2.1
  block-storage http://127.0.0.1:8776/v3/%(project_id)s
  network       http://127.0.0.1:9696
  logs          $LOG/<service>.log
elapsed: $((SECONDS - T0))s
$OS_DIR/openstack.env
EOF
}

# ---- warm path -------------------------------------------------------------
if [ -f "$OS_DIR/secrets.env" ] && all_healthy; then
  load_secrets
  # Resources added since the cloud was first brought up (idempotent, about a second).
  ADMIN_PASS="$ADMIN_PASS" "$PY" "$HERE/resources.py" volume-types >>"$LOG/resources.log" 2>&1 ||
    die resources "creating volume types failed"
  if smoke; then report; exit 0; fi
  log "services run but the smoke check failed; running the full bring-up"
fi

# ---- packages, MariaDB, RabbitMQ, memcached ----------------------------------
ensure_packages
ensure_infra
load_secrets
setup_rabbit_vhost
. "$HERE_UP/openstack/configs.sh"
gen_all_configs
setup_databases

# ---- Keystone + catalog (doc start order: Keystone first) --------------------
keystone_setup
start_db_syncs        # the other services' DB syncs, in the background
swift_rings
start_keystone
wait_http keystone http://127.0.0.1:5000/v3
CUR_SVC=keystone
ADMIN_PASS="$ADMIN_PASS" SERVICE_PASS="$SERVICE_PASS" HCB_PASS="$HCB_PASS" \
  "$PY" "$HERE/catalog.py" >>"$LOG/keystone.log" 2>&1 || die keystone "catalog registration failed"
log "keystone up, catalog registered"

# ---- Swift, Glance, then Neutron before Nova, Placement, Nova, Cinder --------
start_swift
wait_db_sync glance; start_glance
wait_db_sync neutron; start_neutron
wait_db_sync placement; start_placement
wait_db_sync cinder; start_cinder_scheduler
wait_db_sync nova; start_nova_control
wait_http swift-proxy http://127.0.0.1:8080/healthcheck
wait_http placement http://127.0.0.1:8778/
wait_http neutron http://127.0.0.1:9696/ 180
start_nova_compute    # needs placement and neutron answering
start_cinder_api
start_cinder_volume
wait_http glance http://127.0.0.1:9292/
wait_http nova-api http://127.0.0.1:8774/ 180
wait_http cinder-api http://127.0.0.1:8776/ 180
for s in swift-account swift-container swift-object nova-conductor nova-scheduler cinder-scheduler; do
  svc_alive "$s" || die "$s" "process exited"
done
log "APIs answer; waiting for the compute host in cell1 and a Cinder pool"
wait_compute_mapped
CUR_SVC=cinder-volume
ADMIN_PASS="$ADMIN_PASS" "$PY" "$HERE/check.py" pools 120 >>"$LOG/cinder-volume.log" 2>&1 ||
  die cinder-volume "no Cinder pool became visible"

# ---- broker resources: flavors, image, network, quotas -----------------------
CUR_SVC=resources
ADMIN_PASS="$ADMIN_PASS" "$PY" "$HERE/resources.py" >"$LOG/resources.log" 2>&1 ||
  die resources "creating flavors/image/network/quotas failed"
mark resources
smoke || die smoke "smoke check failed"
report
