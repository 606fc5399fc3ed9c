"""Readiness and smoke checks.

  check.py pools TIMEOUT   wait until Cinder reports a pool (admin)
  check.py smoke           token as hcb; flavors, images, networks listed
Environment: ADMIN_PASS, HCB_PASS.
"""
import os
import sys
import time

from keystoneauth1 import adapter, session
from keystoneauth1.identity import v3

KS = "http://127.0.0.1:5000/v3"


def sess(user, password, project):
    return session.Session(auth=v3.Password(
        auth_url=KS, username=user, password=password, project_name=project,
        user_domain_id="default", project_domain_id="default"))


def api(s, stype):
    return adapter.Adapter(s, service_type=stype, interface="public", region_name="RegionOne")


def pools(timeout):
    # doc: Cinder is ready when get_pools is non-empty.
    cinder = api(sess("admin", os.environ["ADMIN_PASS"], "admin"), "block-storage")
    end = time.time() + timeout
    last = "empty list"
    while time.time() < end:
        try:
            found = cinder.get("/scheduler-stats/get_pools").json()["pools"]
            if found:
                print("cinder pools: " + ", ".join(p["name"] for p in found))
                return 0
        except Exception as e:  # API may still be warming up
            last = e
        time.sleep(2)
    print("no Cinder pool after %ss (%s)" % (timeout, last))
    return 1


def smoke():
    s = sess("hcb", os.environ["HCB_PASS"], "hcb")
    t0 = time.time()
    s.get_token()
    tok = time.time() - t0
    flavors = [f["name"] for f in api(s, "compute").get("/flavors").json()["flavors"]]
    # By name: a plain list is paginated (25 per page) and earlier runs may
    # have left other images in front of it.
    images = [i["name"] for i in
              api(s, "image").get("/v2/images?name=ubuntu-24.04").json()["images"]
              if i["status"] == "active"]
    nets = [n["name"] for n in api(s, "network").get("/v2.0/networks").json()["networks"]]
    missing = [n for n, have in (("m1.small", flavors), ("m1.medium", flavors),
                                 ("m1.large", flavors), ("ubuntu-24.04", images),
                                 ("hcb-net", nets)) if n not in have]
    print("smoke: token as hcb in %.2fs; flavors=%s images=%s networks=%s"
          % (tok, ",".join(sorted(flavors)), ",".join(images), ",".join(nets)))
    if missing:
        print("smoke: missing " + ", ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "pools":
        sys.exit(pools(int(sys.argv[2])))
    sys.exit(smoke())
