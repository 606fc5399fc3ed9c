import {
  type Context,
  type EntityJson,
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Target } from '../../../core/model/target.ts';
import type {
  AttachRequest,
  CopyRequest,
  ExposeRequest,
  LinkRequest,
} from '../../../core/ports/flow-policy.ts';
import type { PolicyBundle } from '../../../policy-engine/bundle/policy-bundle.ts';
import {
  attachContext,
  copyContext,
  exposeContext,
  linkContext,
  linkDestination,
} from '../../../policy-engine/flow-entities.ts';
import { principalEntity } from '../../../policy-engine/request-entities.ts';
import { type Verdict, verdictOf, verdictOfThrown } from '../../../policy-engine/verdict.ts';

export type ReferenceFlow =
  | { action: 'attach'; request: AttachRequest }
  | { action: 'copy'; request: CopyRequest }
  | { action: 'link'; request: LinkRequest }
  | { action: 'expose'; request: ExposeRequest };

const prepared = new Set<string>();

/**
 * A flow decision the plain way: the whole policy set (no slices), the schema given and the request
 * validated against it, every entity whole (untrimmed targets, every tenant the request names) and the
 * whole context. Tests compare CedarFlowPolicy's fast path against this.
 */
export function referenceFlowVerdict(bundle: PolicyBundle, flow: ReferenceFlow): Verdict {
  const id = `reference-flow:${bundle.hash}`;
  if (!prepared.has(id)) {
    preparseSchema(id, bundle.schema.file.text);
    preparsePolicySet(id, { staticPolicies: Object.fromEntries(bundle.policies.map((p) => [p.id, p.text])) });
    prepared.add(id);
  }
  const target = (t: Target): EntityJson => {
    const entity = bundle.targets.get(t.id);
    if (!entity) throw new Error(`unknown target ${t.id}`);
    return entity;
  };
  const { principal } = flow.request;
  const tenants = new Set([principal.tenant]);
  let resource: EntityJson;
  let context: Context;
  const related: EntityJson[] = [];
  if (flow.action === 'attach') {
    resource = target(flow.request.target);
    context = attachContext(flow.request);
  } else if (flow.action === 'copy') {
    resource = target(flow.request.to);
    context = copyContext(flow.request);
    related.push(target(flow.request.from));
  } else if (flow.action === 'expose') {
    resource = target(flow.request.target);
    context = exposeContext(flow.request);
  } else {
    const { from, to } = flow.request;
    resource = linkDestination(to);
    context = linkContext(flow.request);
    related.push(target(from.target));
    tenants.add(from.tenant);
    if (to.kind === 'vm') {
      related.push(target(to.target));
      tenants.add(to.tenant);
    }
  }
  const principalJson = principalEntity(principal);
  const entities = new Map<string, EntityJson>();
  for (const entity of [
    principalJson,
    resource,
    ...related,
    ...[...tenants].flatMap((t) => bundle.tenants.get(t) ?? []),
  ]) {
    const uid = '__entity' in entity.uid ? entity.uid.__entity : entity.uid;
    entities.set(`${uid.type}\0${uid.id}`, entity);
  }
  const reasons = new Map(bundle.policies.map((p) => [p.id, p.reason]));
  try {
    const answer = statefulIsAuthorized({
      principal: principalJson.uid,
      action: { type: 'Action', id: flow.action },
      resource: resource.uid,
      context,
      preparsedSchemaName: id,
      preparsedPolicySetId: id,
      validateRequest: true,
      entities: [...entities.values()],
    });
    return verdictOf(answer, (policyId) => reasons.get(policyId));
  } catch (error) {
    return verdictOfThrown(error);
  }
}
