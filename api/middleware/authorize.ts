import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { BrokerError } from '../../core/errors.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';

/**
 * Names the action from the request itself, for a route whose variants policy tells apart (the console
 * among a VM's actions, the admin view of a VM). It only picks the name; the route's validator still
 * checks the request, so an unreadable body picks the route's plain action and is refused as invalid.
 */
export type ActionOf = (c: Context<ApiEnv>) => string | Promise<string>;

export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Declares the API action a route performs and asks the authorizer (policy) before anything else runs.
 * Routes hold no permission logic of their own: this is the only place a request is allowed or denied.
 *
 * The request acts in the caller's own tenant unless it names another with `?tenant=`; policy decides
 * whether the caller may act there (only operators may, and only to read), and once allowed the handler
 * sees the caller scoped to that tenant, so every lookup stays inside it. The answer never depends on
 * whether the named tenant or the resource exists.
 *
 * An `Idempotency-Key` is honoured (a fresh run or a replay) only after the request is allowed.
 */
export function action(authorizer: Authorizer, actionName: string | ActionOf, resourceType: string) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const name = typeof actionName === 'string' ? actionName : await actionName(c);
    c.set('action', name);
    const principal = c.var.principal;
    // A route about a tenant itself names it in its path (`/v1/quotas/{tenant}`); the rest use `?tenant=`.
    const tenant =
      requestedTenant(pathTenant(c.req.param('tenant'))) ??
      requestedTenant(c.req.queries('tenant')) ??
      principal.tenant;
    const id = c.req.param('id');
    const decision = authorizer.authorize({
      principal,
      action: name,
      resource: { type: resourceType, tenant, ...(id === undefined ? {} : { id }) },
    });
    c.set('authorizationPolicies', decision.policies);
    if (!decision.allowed)
      throw new BrokerError(
        'auth.forbidden',
        `${name} is not permitted for roles [${principal.roles.join(', ')}]`,
        {
          details: { action: name, policies: decision.policies, reasons: decision.reasons },
        },
      );
    if (tenant !== principal.tenant) c.set('principal', { ...principal, tenant });
    // Only now may an Idempotency-Key replay a stored answer: the decision above comes first.
    await (c.var.idempotent ? c.var.idempotent(next) : next());
  });
}

function pathTenant(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : [value];
}

/** The tenant a request names (`?tenant=`), checked for shape: one value, a tenant id. */
function requestedTenant(values: string[] | undefined): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1 || !TENANT_PATTERN.test(values[0]!))
    throw new BrokerError('request.invalid', 'invalid request: query.tenant: one tenant id', {
      fieldIssues: [{ field: 'query.tenant', message: 'one tenant id: lowercase letters, digits, dashes' }],
    });
  return values[0];
}
