/**
 * Policies for tests, beyond the shipped ones. The exception is the worked example of docs/policies.md
 * ("Flows": CR-0131), word for word, so that the example the docs teach is the one the tests run.
 */

/** docs/policies.md, Flows, worked example: a tenant's exception to the service-endpoint rule. */
export const FLOW_EXCEPTION_EXAMPLE = `@id("exception.st-jude-research.analytics-to-pacs")
@reason("CR-0131, approved by J. Alvarez (compliance) 2025-04-02: de-identified imaging analytics pulls DICOM from the PACS archive")
permit (
  principal in Tenant::"st-jude-research",
  action == Action::"link",
  resource is Workload
)
when {
  context.source.site == Site::"public" &&
  resource.target == Target::"sandbox-onprem-north" &&
  resource.classification == Classification::"pii" &&
  context.protocol == Protocol::"tcp" &&
  context.port == 11112
};
`;

/**
 * Rules that read what the shipped flow policies do not (a CIDR range, the source target's attributes,
 * the VM's classification on attach), so that tests exercise every part of the requests the engine builds
 * and trims.
 */
export const FLOW_RULES_READING_MORE = `@id("test.no-links-to-documentation-range")
@reason("203.0.113.0/24 is a documentation range")
forbid (principal, action == Action::"link", resource is Network)
when { resource.cidr.isInRange(ip("203.0.113.0/24")) };

@id("test.copies-stay-in-jurisdiction")
@reason("copies stay within their jurisdiction")
forbid (principal, action == Action::"copy", resource is Target)
when { context.source.jurisdiction != resource.jurisdiction };

@id("test.no-pii-volume-on-public-vm")
@reason("pii volumes attach only to VMs classified pii or above")
forbid (principal, action == Action::"attach", resource is Target)
when {
  context.volume.classification == Classification::"pii" &&
  context.vm.classification == Classification::"public"
};

@id("test.unencrypted-targets-stay-in-jurisdiction")
@reason("links into a target without encryption at rest come from its own jurisdiction")
forbid (principal, action == Action::"link", resource is Workload)
when {
  !resource.target.encryptionAtRest &&
  resource.target.jurisdiction != context.source.target.jurisdiction
};
`;
