import { preparsePolicySet, preparseSchema, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { PlacementRequest } from '../../../core/model/placement.ts';
import type { PolicyBundle } from '../../../policy-engine/bundle/policy-bundle.ts';
import { placementContext, principalEntity } from '../../../policy-engine/request-entities.ts';
import { type Verdict, verdictOf, verdictOfThrown } from '../../../policy-engine/verdict.ts';

const prepared = new Set<string>();

/**
 * Cedar's answer the plain way: the whole policy set (not the tenant's slice), the schema given and the
 * request validated against it, every attribute of every entity and of the context passed. Tests compare
 * the engine's fast path (slices, trimmed entities, no per-request schema) against this.
 */
export function referenceVerdict(bundle: PolicyBundle, request: PlacementRequest, targetId: string): Verdict {
  const target = bundle.targets.get(targetId);
  if (!target) throw new Error(`unknown target ${targetId}`);
  const id = `reference:${bundle.hash}`;
  if (!prepared.has(id)) {
    preparseSchema(id, bundle.schema.file.text);
    preparsePolicySet(id, { staticPolicies: Object.fromEntries(bundle.policies.map((p) => [p.id, p.text])) });
    prepared.add(id);
  }
  const principal = principalEntity(request.principal);
  const tenant = bundle.tenants.get(request.principal.tenant);
  const reasons = new Map(bundle.policies.map((p) => [p.id, p.reason]));
  try {
    const answer = statefulIsAuthorized({
      principal: principal.uid,
      action: { type: 'Action', id: 'place' },
      resource: target.uid,
      context: placementContext(request),
      preparsedSchemaName: id,
      preparsedPolicySetId: id,
      validateRequest: true,
      entities: [principal, ...(tenant ? [tenant] : []), target],
    });
    return verdictOf(answer, (policyId) => reasons.get(policyId));
  } catch (error) {
    return verdictOfThrown(error);
  }
}
