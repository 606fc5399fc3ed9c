"""Schemathesis hooks for test/fuzz/schemathesis.test.ts.

Valid Idempotency-Keys are made unique per request, so that generated calls reach the routes instead of
mostly meeting a 422 for a key reused with another body (correct, and covered by the API tests).

Two narrow allowances. First, a deleted resource stays readable as a tombstone: GET answers 200 with
`"status": "deleted"`, or `"deleting"` while its asynchronous delete runs (the documented contract),
which Schemathesis's use-after-free check (ST301) expects to be a 404 (and a deleted volume's snapshot list stays readable); any other 200 after a delete still
counts. Second, a schema-valid request that the broker refuses with 400 because a field breaks a
rule that depends on stored state or on the deployment, which no schema can state. Every other failure
(server errors, schema violations, undocumented statuses, other rejected fields) still counts.
"""

import json
import re
import uuid

import schemathesis

# Each field, and why its validity is not a matter of the schema alone.
STATE_DEPENDENT_FIELDS = {
    # An opaque cursor the broker minted for this list and these filters; any other string is refused.
    "query.cursor",
    # Logical sizes and images are the deployment's catalogue (targets file), or one of the tenant's images.
    "body.size",
    "body.image",
    # Regions are the deployment's catalogue too (an unknown one is a 400 naming the field).
    "body.region",
    # The link lifetime limit is lower for a phi bucket (the bucket's classification).
    "body.expiresInSeconds",
    # A port range's `from` is at most its `to`: the same kind of rule across two fields.
    "body.ports",
    # A volume restored from a snapshot is at least the snapshot's size (the snapshot's state).
    "body.sizeGiB",
    # Targets are the deployment's catalogue.
    "body.targetId",
    # A resource made from a snapshot or an image is at least as classified as its source (the source's state).
    "body.classification",
}


# Fields whose validity depends on state or the deployment on some routes only (elsewhere `type` is, e.g.,
# a VM action's documented enum): logical volume types are the deployment's catalogue, and a retype to the
# type a volume already has is refused (the volume's state).
ROUTE_STATE_DEPENDENT_FIELDS = {
    "/v1/volumes": {"body.type"},
    "/v1/volumes/{id}/retype": {"body.type"},
}


# Lists under a resource that stay readable while the resource is a tombstone: a deleted volume's
# snapshots outlive it (they are restorable), so its snapshot list still answers 200.
TOMBSTONE_COLLECTIONS = {"/v1/volumes/{id}/snapshots"}


KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


@schemathesis.hook
def map_headers(context, headers):
    key = (headers or {}).get("idempotency-key")
    if isinstance(key, str) and KEY.match(key):
        headers["idempotency-key"] = f"{key}-{uuid.uuid4().hex}"
    return headers


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code == "ST301":
        return not (_is_tombstone(response) or case.path in TOMBSTONE_COLLECTIONS)
    if failure.code != "ST202":  # Schema-valid request rejected
        return True
    if response.status_code != 400:
        return True
    try:
        problem = json.loads(response.content)
    except ValueError:
        return True
    fields = {issue.get("field") for issue in problem.get("errors") or []}
    if not fields:
        return True
    if fields <= STATE_DEPENDENT_FIELDS | ROUTE_STATE_DEPENDENT_FIELDS.get(case.path, set()):
        return False
    return not _path_values_off_schema(case, fields)


def _path_values_off_schema(case, fields):
    """True when every rejected field is a path parameter whose value breaks its own documented pattern.

    Stateful links (and ids reused from earlier responses) can put one kind of id where another belongs,
    e.g. a vm- id in /v1/volumes/{id}: such a request was never schema-valid.
    """
    documented = {
        p["name"]: p.get("schema", {})
        for p in case.operation.definition.raw.get("parameters", [])
        if p.get("in") == "path"
    }
    for field in fields:
        if not field.startswith("path."):
            return False
        name = field[len("path.") :]
        pattern = documented.get(name, {}).get("pattern")
        value = (case.path_parameters or {}).get(name)
        if pattern is None or value is None or re.search(pattern, str(value)):
            return False
    return True


def _is_tombstone(response):
    """True when the resource read after its delete is the documented record: `deleted`, or `deleting`
    while the delete (answered 202, an operation) is still running on the cloud."""
    if response is None or response.status_code != 200:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("status") in ("deleted", "deleting")
