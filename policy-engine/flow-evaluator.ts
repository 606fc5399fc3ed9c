import { type Context, type EntityJson, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { Principal } from '../core/model/principal.ts';
import type { Target } from '../core/model/target.ts';
import type { FlowAction } from './bundle/engine-actions.ts';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import { actionEntity, principalEntity, principalType, withAttributes } from './request-entities.ts';
import { type Verdict, verdictOf, verdictOfThrown } from './verdict.ts';
import type { VerdictCache } from './verdict-cache.ts';

/** One request of a flow action, as the flow policy hands it over. */
export interface FlowCall {
  principal: Principal;
  resource: EntityJson;
  context: Context;
  /** Entities the resource and context refer to (targets, tenants); duplicates are dropped. */
  related: readonly EntityJson[];
}

/**
 * One flow action (attach, copy or link), prepared once per bundle the way the placement engine prepares
 * `place`: the action's tenant slices (PolicySlices), target entities built once and trimmed to the
 * attributes the action's policies read, the action entity, the `@reason`s, and a shared verdict cache.
 * A call is one cedar-wasm `statefulIsAuthorized`; anything that goes wrong on the way denies (fail closed).
 */
export class FlowEvaluator {
  readonly action: FlowAction;
  /** Attribute names the action's policies read (undefined: keep every attribute). */
  readonly reads: ReadonlySet<string> | undefined;
  readonly #bundle: PolicyBundle;
  readonly #targets: ReadonlyMap<string, { target: Target; entity: EntityJson }>;
  readonly #contextKeys: ReadonlySet<string> | undefined;
  readonly #actionEntity: EntityJson | undefined;
  readonly #reasons: ReadonlyMap<string, string>;
  readonly #cache: VerdictCache;

  constructor(bundle: PolicyBundle, action: FlowAction, cache: VerdictCache) {
    this.action = action;
    this.#bundle = bundle;
    this.#cache = cache;
    const policies = bundle.policies.filter((p) => p.appliesTo[action]);
    const read = new Set(policies.flatMap((p) => [...p.attributeNames]));
    this.reads = read;
    this.#contextKeys = policies.some((p) => p.readsWholeContext) ? undefined : read;
    this.#targets = new Map(
      bundle.catalogue.targets.map((target) => {
        const entity = bundle.targets.get(target.id)!;
        return [target.id, { target, entity: { ...entity, attrs: withAttributes(entity.attrs, read) } }];
      }),
    );
    this.#actionEntity = actionEntity(action, bundle.schema);
    this.#reasons = new Map(
      policies.flatMap((p) => (p.reason === undefined ? [] : [[p.id, p.reason] as const])),
    );
  }

  /**
   * The bundle's entity for a target the request names. Throws (so the call denies) when the bundle does
   * not know it, or knows it differently — policies must see the target the broker acts on.
   */
  targetEntity(target: Target): EntityJson {
    const known = this.#targets.get(target.id);
    if (!known) throw new Error(`target ${target.id} is not in the policy bundle`);
    if (known.target !== target && policyView(known.target) !== policyView(target))
      throw new Error(`target ${target.id} differs from the policy bundle's`);
    return known.entity;
  }

  /** The tenant's entity (tenants.yaml), when it has one. */
  tenantEntity(tenant: string): EntityJson | undefined {
    return this.#bundle.tenants.get(tenant);
  }

  /** Cedar's verdict, from the cache when this exact call was answered before. */
  decide(build: () => FlowCall): Verdict {
    let call: FlowCall;
    try {
      call = build();
    } catch (error) {
      return verdictOfThrown(error);
    }
    const { principal } = call;
    const resource = { ...call.resource, attrs: withAttributes(call.resource.attrs, this.reads) };
    const context = withAttributes(call.context, this.#contextKeys) as Context;
    const setId = this.#bundle.slices.setFor(this.action, principal.tenant);
    // Everything Cedar is given but the related entities, which follow from the ids in it and the bundle.
    const key = JSON.stringify([
      setId,
      principalType(principal),
      principal.sub,
      [...principal.roles].sort(),
      principal.tenant,
      context,
      resource,
    ]);
    const known = this.#cache.get(key);
    if (known) return known;
    try {
      const principalJson = principalEntity(principal);
      const entities = new Map<string, EntityJson>();
      for (const entity of [
        principalJson,
        resource,
        ...call.related,
        this.tenantEntity(principal.tenant),
        this.#actionEntity,
      ])
        if (entity) entities.set(uidKey(entity), entity);
      const answer = statefulIsAuthorized({
        principal: principalJson.uid,
        action: { type: 'Action', id: this.action },
        resource: resource.uid,
        context,
        preparsedPolicySetId: setId,
        entities: [...entities.values()],
      });
      const verdict = verdictOf(answer, (id) => this.#reasons.get(id));
      this.#cache.set(key, verdict);
      return verdict;
    } catch (error) {
      return verdictOfThrown(error);
    }
  }
}

function uidKey(entity: EntityJson): string {
  const uid = '__entity' in entity.uid ? entity.uid.__entity : entity.uid;
  return JSON.stringify([uid.type, uid.id]);
}

/** What policies can see of a target (targets-part.ts builds its entity from the same fields). */
function policyView(target: Target): string {
  const attributes = Object.entries(target.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([target.cloud, target.region, target.site, attributes]);
}
