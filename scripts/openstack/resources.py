"""Create the broker's cloud resources, idempotently: flavors, image,
shared network, an external network with a router for floating IPs, quotas, volume types. Raw REST through a keystoneauth session (no extra
clients needed). Environment: ADMIN_PASS. `resources.py volume-types` creates only the volume types (the
warm path of openstack-up.sh runs it, so a cloud brought up before they existed gets them too).
"""
import os
import sys
import time

from keystoneauth1 import adapter, session
from keystoneauth1.identity import v3

KS = "http://127.0.0.1:5000/v3"
FLAVORS = [("m1.small", 1, 2048, 20), ("m1.medium", 2, 4096, 40), ("m1.large", 4, 8192, 80)]
IMAGE = "ubuntu-24.04"
NET, SUBNET, CIDR = "hcb-net", "hcb-subnet", "10.77.0.0/24"
# Floating IPs come from an external network routed to hcb-net (documentation range, RFC 5737).
PUBLIC_NET, PUBLIC_SUBNET, PUBLIC_CIDR = "hcb-public", "hcb-public-subnet", "203.0.113.0/24"
ROUTER = "hcb-router"
# Cinder volume types beside the default one (__DEFAULT__), each on the one fake backend, so a retype
# between them needs no migration (catalogue volumeTypes: standard -> __DEFAULT__, ssd -> ssd).
VOLUME_TYPES = [("ssd", "faster storage (the broker's logical type ssd)")]
BACKEND = "fake"  # volume_backend_name in cinder.conf (configs.sh)
NOVA_QUOTA = {"instances": 2000, "cores": 8000, "ram": 16000000,
              "key_pairs": 1000, "server_groups": 100, "server_group_members": 2000}
CINDER_QUOTA = {"volumes": 500, "gigabytes": 50000, "snapshots": 500,
                "backups": 100, "backup_gigabytes": 10000}
# port: a server on hcb-net needs one port; the list benchmark boots ~1000.
NEUTRON_QUOTA = {"security_group": 100, "security_group_rule": 1000, "port": 2500,
                 "network": 100, "subnet": 100, "router": 50, "floatingip": 100}


def main(only_volume_types=False):
    auth = v3.Password(auth_url=KS, username="admin", password=os.environ["ADMIN_PASS"],
                       project_name="admin", user_domain_id="default",
                       project_domain_id="default")
    sess = session.Session(auth=auth)

    def api(stype, **kw):
        return adapter.Adapter(sess, service_type=stype, interface="public",
                               region_name="RegionOne", **kw)

    ks = api("identity")
    nova = api("compute", default_microversion="2.79")
    glance = api("image")
    neutron = api("network")
    cinder = api("block-storage")

    if only_volume_types:
        volume_types(cinder)
        print("resources: volume types ok")
        return
    hcb_id = ks.get("/projects?name=hcb").json()["projects"][0]["id"]

    # Flavors (public).
    have = {f["name"] for f in nova.get("/flavors?is_public=None").json()["flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in have:
            nova.post("/flavors", json={"flavor": {
                "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
                "os-flavor-access:is_public": True}})

    # A tiny public raw image; any bytes do for the fake driver.
    imgs = glance.get("/v2/images?name=" + IMAGE).json()["images"]
    for img in imgs:  # drop leftovers of an interrupted upload
        if img["status"] != "active":
            glance.delete("/v2/images/" + img["id"])
    if not any(i["status"] == "active" for i in imgs):
        img = glance.post("/v2/images", json={
            "name": IMAGE, "disk_format": "raw", "container_format": "bare",
            "visibility": "public", "os_distro": "ubuntu", "os_version": "24.04"}).json()
        glance.put("/v2/images/%s/file" % img["id"], data=b"\0" * 1024 * 1024,
                   headers={"Content-Type": "application/octet-stream"})
        for _ in range(60):
            if glance.get("/v2/images/" + img["id"]).json()["status"] == "active":
                break
            time.sleep(0.5)
        else:
            sys.exit("image %s did not become active" % IMAGE)

    # Shared network + subnet (ML2 'local' type, doc "Neutron").
    nets = neutron.get("/v2.0/networks?name=" + NET).json()["networks"]
    if nets:
        net_id = nets[0]["id"]
    else:
        net_id = neutron.post("/v2.0/networks", json={"network": {
            "name": NET, "shared": True, "provider:network_type": "local"}}).json()["network"]["id"]
    if not neutron.get("/v2.0/subnets?network_id=" + net_id).json()["subnets"]:
        neutron.post("/v2.0/subnets", json={"subnet": {
            "name": SUBNET, "network_id": net_id, "ip_version": 4, "cidr": CIDR,
            "enable_dhcp": False, "gateway_ip": "10.77.0.1"}})

    public_network(neutron, net_id)

    # Generous quotas for the hcb project.
    nova.put("/os-quota-sets/" + hcb_id, json={"quota_set": NOVA_QUOTA})
    # The block-storage endpoint already carries the admin's project id.
    cinder.put("/os-quota-sets/" + hcb_id, json={"quota_set": CINDER_QUOTA})
    neutron.put("/v2.0/quotas/" + hcb_id, json={"quota": NEUTRON_QUOTA})
    volume_types(cinder)
    print("resources: ok (hcb project %s, network %s %s)" % (hcb_id, NET, net_id))


def volume_types(cinder):
    """Public volume types on the fake backend; an existing one is left as it is."""
    have = {t["name"] for t in cinder.get("/types?is_public=None").json()["volume_types"]}
    for name, description in VOLUME_TYPES:
        if name not in have:
            cinder.post("/types", json={"volume_type": {
                "name": name, "description": description, "os-volume-type-access:is_public": True,
                "extra_specs": {"volume_backend_name": BACKEND}}}).raise_for_status()


def one(neutron, kind, name):
    found = neutron.get("/v2.0/%ss?name=%s" % (kind, name)).json()[kind + "s"]
    return found[0] if found else None


def public_network(neutron, net_id):
    """The external network floating IPs are allocated from, and a router joining it to hcb-net (the
    fake ML2 driver keeps both in the database only: no dataplane)."""
    pub = one(neutron, "network", PUBLIC_NET) or neutron.post("/v2.0/networks", json={"network": {
        "name": PUBLIC_NET, "router:external": True, "provider:network_type": "local"}}).json()["network"]
    if not neutron.get("/v2.0/subnets?network_id=" + pub["id"]).json()["subnets"]:
        neutron.post("/v2.0/subnets", json={"subnet": {
            "name": PUBLIC_SUBNET, "network_id": pub["id"], "ip_version": 4, "cidr": PUBLIC_CIDR,
            "enable_dhcp": False, "gateway_ip": "203.0.113.1"}})
    router = one(neutron, "router", ROUTER) or neutron.post("/v2.0/routers", json={"router": {
        "name": ROUTER, "external_gateway_info": {"network_id": pub["id"]}}}).json()["router"]
    subnet_id = neutron.get("/v2.0/subnets?network_id=" + net_id).json()["subnets"][0]["id"]
    joined = neutron.get("/v2.0/ports?device_id=%s&network_id=%s" % (router["id"], net_id)).json()["ports"]
    if not joined:
        neutron.put("/v2.0/routers/%s/add_router_interface" % router["id"],
                    json={"subnet_id": subnet_id}).raise_for_status()


if __name__ == "__main__":
    main(only_volume_types=sys.argv[1:] == ["volume-types"])
