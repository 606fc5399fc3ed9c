import { type EntityJson, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from '../core/ports/authorizer.ts';
import { isEngineAction } from './bundle/engine-actions.ts';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import { readsReachedEntities } from './entity-reads.ts';
import { actionEntity, principalEntity } from './request-entities.ts';
import { verdictOf, verdictOfThrown } from './verdict.ts';

/** The action is not an API action the schema declares. */
export const UNKNOWN_ACTION = 'builtin.unknown-action';
/** The route names a resource type no `@apiResource` entity declares, or one its action does not apply to. */
export const UNKNOWN_RESOURCE = 'builtin.unknown-resource-type';

/**
 * API authorization by the bundle's Cedar policies (api.cedar): roles, and tenant isolation (I6). Asked by
 * the `action()` middleware before any route runs; this is the only place a request is allowed or denied.
 */
export class CedarAuthorizer implements Authorizer {
  readonly #bundle: PolicyBundle;
  readonly #actions: ReadonlyMap<
    string,
    { entity: EntityJson | undefined; resourceTypes: readonly string[] }
  >;
  readonly #reasons: ReadonlyMap<string, string>;
  /** Per API policy set: whether a policy reads a tenant's entity (else it is not sent; entity-reads.ts). */
  readonly #readsTenants = new Map<string, boolean>();

  constructor(bundle: PolicyBundle) {
    this.#bundle = bundle;
    // Only actions that apply to something are requestable: `place` and the flows are the engines' own
    // (engine-actions.ts); groups are not actions.
    this.#actions = new Map(
      [...bundle.schema.actions]
        .filter(([name, info]) => !isEngineAction(name) && info.resourceTypes.length > 0)
        .map(([name, info]) => [
          name,
          { entity: actionEntity(name, bundle.schema), resourceTypes: info.resourceTypes },
        ]),
    );
    this.#reasons = new Map(
      bundle.policies.flatMap((p) => (p.reason === undefined ? [] : [[p.id, p.reason]])),
    );
  }

  /** The API actions the bundle knows, for checks and documentation. */
  get actions(): string[] {
    return [...this.#actions.keys()];
  }

  authorize({ principal, action, resource }: AuthorizationRequest): AuthorizationDecision {
    const known = this.#actions.get(action);
    if (!known) return { allowed: false, policies: [UNKNOWN_ACTION], reasons: [`unknown action ${action}`] };
    const entityType = this.#bundle.schema.apiResources.get(resource.type);
    if (!entityType || !known.resourceTypes.includes(entityType))
      return {
        allowed: false,
        policies: [UNKNOWN_RESOURCE],
        reasons: [`${action} does not apply to ${resource.type}`],
      };
    const declared = this.#bundle.schema.entityTypes.get(entityType)?.attributes ?? {};
    const resourceEntity: EntityJson = {
      uid: { type: entityType, id: resource.id ?? '*' },
      attrs: {
        tenant: { __entity: { type: 'Tenant', id: resource.tenant } },
        ...(resource.classification !== undefined && 'classification' in declared
          ? { classification: { __entity: { type: 'Classification', id: resource.classification } } }
          : {}),
      },
      parents: [],
    };
    const principalEntityJson = principalEntity(principal);
    const entities = [principalEntityJson, resourceEntity];
    try {
      const setId = this.#bundle.slices.setFor('api', principal.tenant);
      if (this.#tenantsRead(setId, principal.tenant))
        for (const tenant of new Set([principal.tenant, resource.tenant])) {
          const entity = this.#bundle.tenants.get(tenant);
          if (entity) entities.push(entity);
        }
      if (known.entity) entities.push(known.entity);
      const answer = statefulIsAuthorized({
        principal: principalEntityJson.uid,
        action: { type: 'Action', id: action },
        resource: resourceEntity.uid,
        context: {},
        preparsedPolicySetId: setId,
        entities,
      });
      const verdict = verdictOf(answer, (id) => this.#reasons.get(id));
      return { allowed: verdict.allowed, policies: verdict.policies, reasons: verdict.reasons };
    } catch (error) {
      const verdict = verdictOfThrown(error);
      return { allowed: false, policies: verdict.policies, reasons: verdict.reasons };
    }
  }

  #tenantsRead(setId: string, tenant: string): boolean {
    let reads = this.#readsTenants.get(setId);
    if (reads === undefined) {
      reads = readsReachedEntities(this.#bundle.slices.policiesFor('api', tenant).map((p) => p.json));
      this.#readsTenants.set(setId, reads);
    }
    return reads;
  }
}
