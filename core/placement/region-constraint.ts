import { BrokerError } from '../errors.ts';
import type { CandidateDecision } from '../model/placement.ts';
import type { TargetCatalogue } from '../model/target.ts';

/** Stands for the requested region in a candidate's policies, as `builtin.default-deny` does for Cedar's. */
export const REGION_CONSTRAINT = 'builtin.requested-region';

/** A requested region must be one the catalogue has: a typo would otherwise silently mean "anywhere". */
export function checkRegion(catalogue: TargetCatalogue, region: string | undefined): void {
  if (region === undefined) return;
  const known = [...new Set(catalogue.targets.map((t) => t.region))].sort();
  if (known.includes(region)) return;
  const message = `not a region of the targets catalogue (${known.join(', ')})`;
  throw new BrokerError('request.invalid', `body.region: ${message}`, {
    fieldIssues: [{ field: 'body.region', message }],
  });
}

/**
 * A requested region is a constraint: candidates elsewhere are denied, whatever policy says of them, so
 * neither the choice nor a later fallback can leave the region. Their verdict stays visible in `reasons`.
 */
export function applyRegion(candidate: CandidateDecision, region: string | undefined): CandidateDecision {
  if (region === undefined || candidate.region === region) return candidate;
  return {
    ...candidate,
    permitted: false,
    policies: [REGION_CONSTRAINT],
    reasons: [
      `not in the requested region ${region}`,
      ...(candidate.permitted
        ? [`policy would permit it (${candidate.policies.join(', ')})`]
        : candidate.reasons),
    ],
  };
}

/** The refusal when policy permits no target: names the requested region when there was one. */
export function noPermittedTargetMessage(what: string, region: string | undefined): string {
  return region === undefined
    ? `policy permits no target for ${what}`
    : `policy permits no target in the requested region ${region} for ${what}`;
}
