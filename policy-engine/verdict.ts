import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { describeCedarError } from './bundle/bundle-problems.ts';

/** Cedar's answer for one request, as the broker records it. */
export interface Verdict {
  allowed: boolean;
  /** The deciding policies: the permits that allowed, the forbids that denied, or the ones that failed. */
  policies: string[];
  reasons: string[];
}

/** No policy permitted (Cedar's default deny): there is no policy id to name, so this stands for it. */
export const DEFAULT_DENY = 'builtin.default-deny';
/** Cedar could not evaluate the request at all. */
export const EVALUATION_ERROR = 'builtin.evaluation-error';

/**
 * Reads a cedar-wasm answer, failing closed: an answer that is not a success, and a success that reports
 * any policy evaluation error, deny — even when Cedar itself would allow (Cedar skips a policy that
 * errors, so an erroring forbid would otherwise let a permit through).
 */
export function verdictOf(
  answer: AuthorizationAnswer,
  reasonOf: (policyId: string) => string | undefined,
): Verdict {
  if (answer.type !== 'success')
    return {
      allowed: false,
      policies: [EVALUATION_ERROR],
      reasons: answer.errors.map((e) => `${describeCedarError(e)} (denied: fail closed)`),
    };
  const { decision } = answer.response;
  // Sorted: Cedar lists them in policy-set order, which differs between slices; records should not.
  const diagnostics = {
    reason: [...answer.response.diagnostics.reason].sort(),
    errors: [...answer.response.diagnostics.errors].sort((a, b) =>
      a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0,
    ),
  };
  if (diagnostics.errors.length > 0) {
    const forbids = decision === 'deny' ? diagnostics.reason : [];
    return {
      allowed: false,
      policies: [...new Set([...forbids, ...diagnostics.errors.map((e) => e.policyId)])],
      reasons: diagnostics.errors.map(
        (e) => `${e.policyId} failed: ${describeCedarError(e.error)} (denied: fail closed)`,
      ),
    };
  }
  if (decision === 'allow') return { allowed: true, policies: diagnostics.reason, reasons: [] };
  if (diagnostics.reason.length === 0)
    return { allowed: false, policies: [DEFAULT_DENY], reasons: ['no policy permits it (default deny)'] };
  return {
    allowed: false,
    policies: diagnostics.reason,
    reasons: diagnostics.reason.map((id) => reasonOf(id) ?? `forbidden by ${id}`),
  };
}

/** Anything thrown while asking Cedar is a denial too. */
export function verdictOfThrown(error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  return {
    allowed: false,
    policies: [EVALUATION_ERROR],
    reasons: [`cedar failed: ${message} (denied: fail closed)`],
  };
}
