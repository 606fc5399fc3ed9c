/**
 * What the policy bundle in force holds and how its policy tests fare, for people to read (the portal's
 * Policies page): ids, effects, files, reasons. Only policies that can apply to the reader's tenant are
 * shown to a tenant: another tenant's exceptions name that tenant and are not its business.
 */
export interface PolicySummary {
  id: string;
  effect: 'permit' | 'forbid';
  file: string;
  line: number;
  /** `@reason`: what a denied candidate shows. */
  reason?: string;
}

export interface BundleSummary {
  hash: string;
  files: string[];
  policies: PolicySummary[];
}

export interface PolicyTestSummary {
  bundleHash: string;
  /** false when the deployment carries no policy tests (they are a build-time artefact there). */
  available: boolean;
  passed: number;
  failed: number;
  cases: {
    name: string;
    kind: 'placement' | 'authorization' | 'flow';
    passed: boolean;
    failures: string[];
  }[];
}

export interface PolicyCatalogue {
  /** The bundle as a tenant sees it (`undefined`: every policy, for the platform's operators). */
  bundle(tenant: string | undefined): BundleSummary;
  /** The policy tests' results against the bundle in force (run once, then remembered). */
  tests(): Promise<PolicyTestSummary>;
}
