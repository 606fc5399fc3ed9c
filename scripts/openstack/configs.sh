# shellcheck shell=bash
# Sourced by openstack-up.sh: write every service's config under $ETC.
# Regenerated on each cold start (cheap, deterministic: secrets are kept).
# Config lines that matter are from doc "Config lines that matter".

DB="mysql+pymysql://openstack:$DB_PASS@127.0.0.1"
RABBIT="rabbit://guest:guest@127.0.0.1:5672/${RABBIT_VHOST:-}"  # setup_rabbit_vhost
KS=http://127.0.0.1:5000

# authsec SECTION USER: a keystoneauth password section for service USER.
authsec() {
  cat <<EOF
[$1]
auth_type = password
auth_url = $KS
www_authenticate_uri = $KS
memcached_servers = 127.0.0.1:11211
project_name = service
project_domain_name = Default
user_domain_name = Default
username = $2
password = $SERVICE_PASS
region_name = RegionOne
EOF
}

gen_keystone() {
  mkdir -p "$ETC/keystone" "$OS_DIR/keystone"
  cat >"$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
use_stderr = false
[database]
connection = $DB/keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $OS_DIR/keystone/fernet-keys
[fernet_receipts]
key_repository = $OS_DIR/keystone/fernet-keys
[credential]
key_repository = $OS_DIR/keystone/credential-keys
[cache]
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = 127.0.0.1:11211
[oslo_concurrency]
lock_path = $OS_DIR/lock
EOF
}

gen_swift() {
  local s="$OS_DIR/swift" kind port
  mkdir -p "$ETC/swift" "$s/devices/d1" "$s/cache"
  # swift.conf is only ever read from /etc/swift (hard-coded in Swift).
  if ! grep -q swift_hash_path_suffix /etc/swift/swift.conf 2>/dev/null; then
    mkdir -p /etc/swift
    printf '[swift-hash]\nswift_hash_path_suffix = %s\nswift_hash_path_prefix = hcb\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' \
      "$SWIFT_HASH" >/etc/swift/swift.conf
  fi
  for kind in account container object; do
    case $kind in account) port=6202 ;; container) port=6201 ;; object) port=6200 ;; esac
    cat >"$ETC/swift/$kind-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 1
user = root
swift_dir = $s
devices = $s/devices
mount_check = false
log_name = swift-$kind
[pipeline:main]
pipeline = $kind-server
[app:$kind-server]
use = egg:swift#$kind
[$kind-replicator]
[$kind-auditor]
EOF
    [ $kind = container ] && printf '[container-updater]\n[container-sync]\n' >>"$ETC/swift/$kind-server.conf"
    [ $kind = object ] && printf '[object-updater]\n[object-expirer]\n' >>"$ETC/swift/$kind-server.conf"
  done
  # doc: pipeline with tempurl, authtoken (delay_auth_decision) and keystoneauth.
  cat >"$ETC/swift/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = 8080
workers = 1
user = root
swift_dir = $s
log_name = swift-proxy
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats container_sync bulk tempurl ratelimit authtoken keystoneauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempurl]
use = egg:swift#tempurl
allowed_digests = sha1 sha256 sha512
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = True
$(authsec x swift | tail -n +2)
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
reseller_admin_role = ResellerAdmin
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:11211
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:container_sync]
use = egg:swift#container_sync
[filter:bulk]
use = egg:swift#bulk
[filter:ratelimit]
use = egg:swift#ratelimit
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
[filter:symlink]
use = egg:swift#symlink
EOF
}

gen_glance() {
  local g="$OS_DIR/glance"
  mkdir -p "$ETC/glance" "$g/images" "$g/staging" "$g/tasks"
  cp /etc/glance/glance-api-paste.ini "$ETC/glance/glance-api-paste.ini"
  cat >"$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
enabled_backends = fs:file
workers = 1
[database]
connection = $DB/glance
$(authsec keystone_authtoken glance)
[paste_deploy]
flavor = keystone
config_file = $ETC/glance/glance-api-paste.ini
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $g/images
[os_glance_staging_store]
filesystem_store_datadir = $g/staging
[os_glance_tasks_store]
filesystem_store_datadir = $g/tasks
[oslo_concurrency]
lock_path = $OS_DIR/lock
EOF
}

gen_placement() {
  mkdir -p "$ETC/placement"
  cat >"$ETC/placement/placement.conf" <<EOF
[placement_database]
connection = $DB/placement
[api]
auth_strategy = keystone
$(authsec keystone_authtoken placement)
EOF
}

gen_neutron() {
  mkdir -p "$ETC/neutron" "$OS_DIR/neutron"
  cat >"$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9696
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $RABBIT
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
dhcp_agent_notification = false
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
state_path = $OS_DIR/neutron
api_paste_config = /etc/neutron/api-paste.ini
[database]
connection = $DB/neutron
$(authsec keystone_authtoken neutron)
$(authsec nova nova)
[oslo_concurrency]
lock_path = $OS_DIR/lock
[oslo_messaging_notifications]
driver = noop
EOF
  # doc: ML2 'test' mechanism driver binds magic host names like host-ovs-filter-active.
  cat >"$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = local,flat,vlan
tenant_network_types = local
mechanism_drivers = test
extension_drivers = port_security
[ml2_type_flat]
flat_networks = physnet1
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:199
EOF
}

gen_nova() {
  mkdir -p "$ETC/nova" "$OS_DIR/nova/instances"
  cp /etc/nova/api-paste.ini "$ETC/nova/api-paste.ini"
  # Capacity: FakeDriver reports 1000 vCPU / 800000 MB / 600000 GB; with the
  # ratios below placement admits ~6000 m1.small (RAM is the limit).
  cat >"$ETC/nova/nova.conf" <<EOF
[DEFAULT]
host = $COMPUTE_HOST_1
my_ip = 127.0.0.1
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_workers = 1
transport_url = $RABBIT
state_path = $OS_DIR/nova
instances_path = $OS_DIR/nova/instances
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
allow_resize_to_same_host = true
reserved_host_memory_mb = 0
reserved_host_disk_mb = 0
reserved_host_cpus = 0
cpu_allocation_ratio = 16.0
ram_allocation_ratio = 16.0
disk_allocation_ratio = 4.0
heal_instance_info_cache_interval = -1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
[api_database]
connection = $DB/nova_api
[database]
connection = $DB/nova
$(authsec keystone_authtoken nova)
$(authsec service_user nova)
send_service_user_token = true
$(authsec placement placement)
$(authsec neutron neutron)
$(authsec cinder cinder)
os_region_name = RegionOne
[glance]
region_name = RegionOne
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[vnc]
enabled = true
server_listen = 127.0.0.1
server_proxyclient_address = 127.0.0.1
novncproxy_base_url = http://127.0.0.1:6080/vnc_auto.html
[oslo_concurrency]
lock_path = $OS_DIR/lock
[oslo_messaging_notifications]
driver = noop
EOF
  # nova-compute must not see DB URLs (it logs "No DB access allowed").
  grep -v '^connection = ' "$ETC/nova/nova.conf" >"$ETC/nova/nova-compute.conf"
  # A second compute host, so a live migration really moves (doc: the ML2 'test' driver binds ports
  # only on its magic host names; host-ovs-no_filter is OVS like the first). Its own state dir.
  mkdir -p "$OS_DIR/nova-2/instances"
  sed -e "s|^host = $COMPUTE_HOST_1\$|host = $COMPUTE_HOST_2|" \
    -e "s|^state_path = .*|state_path = $OS_DIR/nova-2|" \
    -e "s|^instances_path = .*|instances_path = $OS_DIR/nova-2/instances|" \
    "$ETC/nova/nova-compute.conf" >"$ETC/nova/nova-compute-2.conf"
}

gen_cinder() {
  mkdir -p "$ETC/cinder" "$OS_DIR/cinder"
  # doc: service_token_roles_required, else detach sticks in 'detaching'.
  cat >"$ETC/cinder/cinder.conf" <<EOF
[DEFAULT]
host = hcb-cinder
my_ip = 127.0.0.1
auth_strategy = keystone
transport_url = $RABBIT
enabled_backends = fake
osapi_volume_listen = 127.0.0.1
osapi_volume_workers = 1
state_path = $OS_DIR/cinder
api_paste_config = /etc/cinder/api-paste.ini
glance_api_servers = http://127.0.0.1:9292
[database]
connection = $DB/cinder
$(authsec keystone_authtoken cinder)
service_token_roles = service
service_token_roles_required = true
$(authsec nova nova)
[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
[oslo_concurrency]
lock_path = $OS_DIR/lock
[oslo_messaging_notifications]
driver = noop
EOF
}

gen_all_configs() {
  mkdir -p "$ETC" "$OS_DIR/lock"
  gen_keystone; gen_swift; gen_glance; gen_placement; gen_neutron; gen_nova; gen_cinder
  chmod -R go-rwx "$ETC"
}
