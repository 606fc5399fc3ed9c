"""Register the Keystone catalog and the broker's identity, idempotently.

Run with /usr/bin/python3 (Debian's OpenStack libs). One process for all
calls: the openstack CLI costs ~2 s per call (doc "Packages").
Environment: ADMIN_PASS, SERVICE_PASS, HCB_PASS.
"""
import os

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

KS = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"
H = "http://127.0.0.1"

# (user, service name, service type, endpoint URL)
SERVICES = [
    ("swift", "swift", "object-store", H + ":8080/v1/AUTH_%(project_id)s"),
    ("glance", "glance", "image", H + ":9292"),
    ("placement", "placement", "placement", H + ":8778"),
    ("nova", "nova", "compute", H + ":8774/v2.1"),
    ("cinder", "cinderv3", "volumev3", H + ":8776/v3/%(project_id)s"),
    ("cinder", "cinder", "block-storage", H + ":8776/v3/%(project_id)s"),
    ("neutron", "neutron", "network", H + ":9696"),
]


def main():
    auth = v3.Password(auth_url=KS, username="admin", password=os.environ["ADMIN_PASS"],
                       project_name="admin", user_domain_id="default",
                       project_domain_id="default")
    ks = client.Client(session=session.Session(auth=auth), interface="public")

    def project(name):
        found = ks.projects.list(name=name, domain="default")
        return found[0] if found else ks.projects.create(name, "default")

    def role(name):
        found = ks.roles.list(name=name)
        return found[0] if found else ks.roles.create(name)

    def user(name, password):
        found = ks.users.list(name=name, domain="default")
        if found:
            # Reset only if the kept password no longer works: a password
            # change revokes the user's tokens.
            try:
                session.Session(auth=v3.Password(
                    auth_url=KS, username=name, password=password,
                    user_domain_id="default")).get_token()
                return found[0]
            except Exception:
                return ks.users.update(found[0], password=password)
        return ks.users.create(name, domain="default", password=password)

    def grant(r, u, p):
        if not ks.role_assignments.list(user=u, project=p, role=r):
            ks.roles.grant(r, user=u, project=p)

    roles = {n: role(n) for n in ("admin", "member", "reader", "service", "ResellerAdmin")}
    service_project = project("service")

    for uname in sorted({s[0] for s in SERVICES}):
        u = user(uname, os.environ["SERVICE_PASS"])
        grant(roles["admin"], u, service_project)
        grant(roles["service"], u, service_project)

    existing = {s.type: s for s in ks.services.list()}
    for _, sname, stype, url in SERVICES:
        svc = existing.get(stype) or ks.services.create(sname, type=stype)
        eps = {e.interface: e for e in ks.endpoints.list(service=svc, region=REGION)}
        for iface in ("public", "internal", "admin"):
            ep = eps.get(iface)
            if ep is None:
                ks.endpoints.create(svc, url, interface=iface, region=REGION)
            elif ep.url != url:
                ks.endpoints.update(ep, url=url)

    # The broker's own project and user; admin is needed for live migration.
    hcb_project = project("hcb")
    hcb = user("hcb", os.environ["HCB_PASS"])
    grant(roles["member"], hcb, hcb_project)
    grant(roles["admin"], hcb, hcb_project)
    print("catalog: ok (project ids: service=%s hcb=%s)" % (service_project.id, hcb_project.id))


if __name__ == "__main__":
    main()
