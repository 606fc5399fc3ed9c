# shellcheck shell=bash
# Sourced by openstack-up.sh: databases, one-time setup steps and the service
# command lines (doc "How each service ran").

DONE="$OS_DIR/done"   # markers of one-time steps (DB syncs, cells, rings)
once() { [ -e "$DONE/$1" ]; }
mark() { mkdir -p "$DONE"; touch "$DONE/$1"; }

mysql_root() { mysql -h127.0.0.1 -uroot "$@" 2>/dev/null || mysql -uroot "$@"; }
mysql_os() { MYSQL_PWD="$DB_PASS" mysql -h127.0.0.1 -uopenstack -N -B "$@"; }

setup_databases() {
  CUR_SVC=mariadb
  local db h sql=""
  for db in keystone glance placement neutron nova_api nova nova_cell0 cinder; do
    sql+="CREATE DATABASE IF NOT EXISTS $db; GRANT ALL ON $db.* TO 'openstack'@'127.0.0.1'; GRANT ALL ON $db.* TO 'openstack'@'localhost';"
  done
  for h in 127.0.0.1 localhost; do
    sql="CREATE USER IF NOT EXISTS 'openstack'@'$h' IDENTIFIED BY '$DB_PASS';
      ALTER USER 'openstack'@'$h' IDENTIFIED BY '$DB_PASS'; $sql"
  done
  mysql_root -e "$sql FLUSH PRIVILEGES;" || die mariadb "cannot create databases as MariaDB root"
  # ~15 Python processes with connection pools: the default 151 is tight
  # under a 1000-server benchmark (runtime setting only, not persisted).
  mysql_root -e "SET GLOBAL max_connections = GREATEST(@@max_connections, 1000)" || true
  # A fresh or wiped MariaDB invalidates the "done" markers.
  if ! mysql_os -e "SELECT 1 FROM keystone.project LIMIT 1" >/dev/null 2>&1; then rm -rf "$DONE"; fi
}

# A RabbitMQ vhost of our own, so our queues never mix with anyone else's.
# Falls back to "/" if rabbitmqctl cannot manage this broker.
setup_rabbit_vhost() {
  CUR_SVC=rabbitmq
  local vhosts
  RABBIT_VHOST=openstack
  if vhosts=$(rabbitmqctl -q list_vhosts 2>>"$LOG/rabbitmq.log"); then
    grep -qx openstack <<<"$vhosts" || rabbitmqctl add_vhost openstack >>"$LOG/rabbitmq.log" 2>&1
    rabbitmqctl set_permissions -p openstack guest '.*' '.*' '.*' >>"$LOG/rabbitmq.log" 2>&1
  else
    log "rabbitmqctl cannot reach RabbitMQ: using vhost / as guest"
    RABBIT_VHOST=""
  fi
}

keystone_setup() {
  CUR_SVC=keystone
  local c=(--config-file "$ETC/keystone/keystone.conf") l="$LOG/keystone.log"
  once keystone-db && return 0
  keystone-manage "${c[@]}" db_sync >>"$l" 2>&1
  [ -d "$OS_DIR/keystone/fernet-keys" ] || keystone-manage "${c[@]}" fernet_setup --keystone-user root --keystone-group root >>"$l" 2>&1
  [ -d "$OS_DIR/keystone/credential-keys" ] || keystone-manage "${c[@]}" credential_setup --keystone-user root --keystone-group root >>"$l" 2>&1
  keystone-manage "${c[@]}" bootstrap --bootstrap-password "$ADMIN_PASS" \
    --bootstrap-admin-url "$KS/v3/" --bootstrap-internal-url "$KS/v3/" \
    --bootstrap-public-url "$KS/v3/" --bootstrap-region-id RegionOne >>"$l" 2>&1
  mark keystone-db
}

# DB syncs of the other services, run in parallel (2 cores, mostly imports).
sync_one() {
  local svc="$1" l="$LOG/$1.log"
  once "$svc-db" && return 0
  echo "=== $(date -Is) db sync" >>"$l"
  case $svc in
    glance) glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync >>"$l" 2>&1 ;;
    placement) placement-manage --config-file "$ETC/placement/placement.conf" db sync >>"$l" 2>&1 ;;
    neutron) neutron-db-manage --config-file "$ETC/neutron/neutron.conf" \
      --config-file "$ETC/neutron/ml2_conf.ini" upgrade heads >>"$l" 2>&1 ;;
    cinder) cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync >>"$l" 2>&1 ;;
    nova)
      local n=(nova-manage --config-file "$ETC/nova/nova.conf")
      "${n[@]}" api_db sync >>"$l" 2>&1
      "${n[@]}" cell_v2 map_cell0 --database_connection "$DB/nova_cell0" >>"$l" 2>&1
      local cells
      cells=$("${n[@]}" cell_v2 list_cells 2>/dev/null || true)
      grep -q ' cell1 ' <<<"$cells" || "${n[@]}" cell_v2 create_cell --name cell1 >>"$l" 2>&1
      "${n[@]}" db sync >>"$l" 2>&1 ;;
  esac
  mark "$svc-db"
}

start_db_syncs() {
  local s
  declare -gA SYNC_PID=()
  for s in nova neutron glance placement cinder; do
    ( trap - ERR; set -e; sync_one "$s" ) &
    SYNC_PID[$s]=$!
  done
}
wait_db_sync() {
  CUR_SVC="$1"
  wait "${SYNC_PID[$1]}" || die "$1" "database sync failed"
}

swift_rings() {
  CUR_SVC=swift-proxy
  once swift-rings && return 0
  local s="$OS_DIR/swift" kind port
  for kind in account container object; do
    case $kind in account) port=6202 ;; container) port=6201 ;; object) port=6200 ;; esac
    rm -f "$s/$kind.builder" "$s/$kind.ring.gz"
    # doc: rings "create 10 1 1" with one device r1z1-127.0.0.1:620x/d1.
    (cd "$s" && swift-ring-builder $kind.builder create 10 1 1 &&
      swift-ring-builder $kind.builder add "r1z1-127.0.0.1:$port/d1" 100 &&
      swift-ring-builder $kind.builder rebalance) >>"$LOG/swift-proxy.log" 2>&1 || true
    [ -s "$s/$kind.ring.gz" ] || die swift-proxy "could not build the $kind ring"
  done
  mark swift-rings
}

# uwsgi_svc NAME PORT WSGI-SCRIPT PROCESSES THREADS [ENV=VALUE...]
# doc: own uwsgi command line; "Connection: close" because --http-socket
# closes the socket after each response.
uwsgi_svc() {
  local name="$1" port="$2" script="$3" procs="$4" threads="$5"; shift 5
  start_svc "$name" env "$@" uwsgi --plugins python3 --http-socket "127.0.0.1:$port" \
    --wsgi-file "$script" --master --processes "$procs" --threads "$threads" \
    --enable-threads --lazy-apps --die-on-term --buffer-size 65535 \
    --add-header "Connection: close" --disable-logging --pidfile "$RUN/$name.uwsgi.pid"
}

start_keystone() {
  uwsgi_svc keystone 5000 /usr/bin/keystone-wsgi-public 1 4 OS_KEYSTONE_CONFIG_DIR="$ETC/keystone"
}
start_swift() {
  local k
  for k in account container object; do
    start_svc "swift-$k" "swift-$k-server" "$ETC/swift/$k-server.conf" -v
  done
  start_svc swift-proxy swift-proxy-server "$ETC/swift/proxy-server.conf" -v
}
start_glance() {
  uwsgi_svc glance 9292 /usr/bin/glance-wsgi-api 1 4 OS_GLANCE_CONFIG_DIR="$ETC/glance"
}
start_neutron() {
  # doc: PYTHONOPTIMIZE=1 because the ML2 'test' driver asserts on re-binding.
  start_svc neutron env PYTHONOPTIMIZE=1 neutron-server \
    --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini"
}
start_placement() {
  uwsgi_svc placement 8778 /usr/bin/placement-api 1 4 OS_PLACEMENT_CONFIG_DIR="$ETC/placement"
}
start_nova_control() {
  # doc: nova-api is eventlet-patched: 2 processes x 1 thread.
  uwsgi_svc nova-api 8774 /usr/bin/nova-api-wsgi 2 1 OS_NOVA_CONFIG_DIR="$ETC/nova"
  start_svc nova-conductor nova-conductor --config-file "$ETC/nova/nova.conf"
  start_svc nova-scheduler nova-scheduler --config-file "$ETC/nova/nova.conf"
}
start_nova_compute() {
  start_svc nova-compute "$PY" "$HERE/nova-compute" --config-file "$ETC/nova/nova-compute.conf"
  start_svc nova-compute-2 "$PY" "$HERE/nova-compute" --config-file "$ETC/nova/nova-compute-2.conf"
}
start_cinder_api() {
  # cinder-wsgi parses sys.argv: uwsgi's --pyargv passes our config file.
  start_svc cinder-api uwsgi --plugins python3 --http-socket 127.0.0.1:8776 \
    --wsgi-file /usr/bin/cinder-wsgi --pyargv "--config-file $ETC/cinder/cinder.conf" \
    --master --processes 1 --threads 4 --enable-threads --lazy-apps --die-on-term \
    --buffer-size 65535 --add-header "Connection: close" --disable-logging \
    --pidfile "$RUN/cinder-api.uwsgi.pid"
}
start_cinder_scheduler() {
  start_svc cinder-scheduler cinder-scheduler --config-file "$ETC/cinder/cinder.conf"
}
start_cinder_volume() {
  start_svc cinder-volume cinder-volume --config-file "$ETC/cinder/cinder.conf"
}

# doc: the compute host shows up in cell1 17-26 s after start
# (discover_hosts_in_cells_interval = 5). On a restart the mapping already
# exists, so also wait for a heartbeat newer than this nova-compute process.
compute_ready() {
  local svc=$1 host=$2 age
  age=$(($(date +%s) - $(stat -c %Y "$RUN/$svc.pid") + 1))
  [ "$(mysql_os -e "SELECT COUNT(*) FROM nova_api.host_mappings WHERE host='$host'" 2>/dev/null || true)" = 1 ] &&
    [ "$(mysql_os -e "SELECT COUNT(*) FROM nova.services WHERE \`binary\`='nova-compute'
      AND host='$host' AND deleted=0
      AND updated_at >= UTC_TIMESTAMP() - INTERVAL $age SECOND" 2>/dev/null || true)" = 1 ]
}
wait_compute_mapped() {
  local t0=$SECONDS
  until compute_ready nova-compute "$COMPUTE_HOST_1" && compute_ready nova-compute-2 "$COMPUTE_HOST_2"; do
    local svc
    for svc in nova-compute nova-compute-2 nova-scheduler; do
      svc_alive "$svc" || die "$svc" "$svc exited"
    done
    [ $((SECONDS - t0)) -lt 180 ] || die nova-compute "compute hosts not up and discovered in cell1 after 180s"
    sleep 2
  done
}
