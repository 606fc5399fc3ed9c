# shellcheck shell=bash
# Sourced by openstack-up.sh: install missing Debian packages and make sure
# MariaDB, RabbitMQ and memcached answer on 127.0.0.1.

# doc "Packages": exactly these; NOT nova-compute (it pulls in libvirt + qemu).
OS_PACKAGES="python3-pymysql python3-memcache uwsgi-plugin-python3 keystone
swift swift-proxy swift-account swift-container swift-object glance-api
placement-api nova-api nova-conductor nova-scheduler cinder-api
cinder-scheduler cinder-volume neutron-server"

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
  done
}

apt_install() {
  local policy=/usr/sbin/policy-rc.d created="" backup=""
  # doc: a policy-rc.d exiting 101 keeps package installs from starting services.
  if [ -e "$policy" ] && ! grep -q 'exit 101' "$policy"; then
    backup="$policy.hcb-backup"; mv "$policy" "$backup"
  fi
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; created=1
  fi
  local lists
  lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -1)
  [ -n "$lists" ] || apt-get update -qq
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$LOG/apt.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then  # stale lists: update once and retry
    apt-get update -qq && rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$LOG/apt.log" 2>&1 || rc=$?
  fi
  if [ -n "$created" ]; then rm -f "$policy"; fi
  if [ -n "$backup" ]; then mv "$backup" "$policy"; fi
  [ $rc -eq 0 ] || die apt "apt-get install failed"
}

ensure_packages() {
  local want="$OS_PACKAGES" missing t0=$SECONDS
  port_open 3306 || want="$want mariadb-server"
  port_open 5672 || want="$want rabbitmq-server"
  port_open 11211 || want="$want memcached"
  # shellcheck disable=SC2086
  missing=$(missing_packages $want | tr '\n' ' ')
  [ -n "${missing// /}" ] || return 0
  log "installing Debian packages (this takes a few minutes): $missing"
  # shellcheck disable=SC2086
  apt_install $missing
  log "packages installed in $((SECONDS - t0))s"
}

# Start MariaDB / RabbitMQ only if nothing answers; remember that we did, so
# openstack-down.sh stops only what we started.
ensure_infra() {
  if ! port_open 3306; then
    log "starting MariaDB"
    service mariadb start >>"$LOG/mariadb.log" 2>&1 || die mariadb "service mariadb start failed"
    touch "$RUN/started-mariadb"
  fi
  if ! port_open 5672; then
    log "starting RabbitMQ"
    # doc: loopback-only node and epmd.
    if ! grep -q ERL_EPMD_ADDRESS /etc/rabbitmq/rabbitmq-env.conf 2>/dev/null; then
      cat >>/etc/rabbitmq/rabbitmq-env.conf <<'EOF'
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
    fi
    rabbitmq-server -detached >>"$LOG/rabbitmq.log" 2>&1 || die rabbitmq "rabbitmq-server -detached failed"
    touch "$RUN/started-rabbitmq"
    timeout 120 rabbitmqctl await_startup >>"$LOG/rabbitmq.log" 2>&1 || die rabbitmq "RabbitMQ did not start"
  fi
  if ! port_open 11211; then
    # -P only puts the state dir on the command line (see svc_pid in lib.sh).
    start_svc memcached memcached -u memcache -l 127.0.0.1 -p 11211 -m 256 -c 4096 \
      -P "$RUN/memcached.self.pid"
  fi
  local i
  for _ in $(seq 1 60); do port_open 3306 && port_open 5672 && port_open 11211 && break; sleep 1; done
  port_open 3306 || die mariadb "MariaDB does not answer on 127.0.0.1:3306"
  port_open 5672 || die rabbitmq "RabbitMQ does not answer on 127.0.0.1:5672"
  port_open 11211 || die memcached "memcached does not answer on 127.0.0.1:11211"
}
