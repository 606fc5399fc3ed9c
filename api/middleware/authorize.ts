import { createMiddleware } from 'hono/factory';
import { BrokerError } from '../../core/errors.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';

/**
 * Declares the API action a route performs and asks the authorizer (policy) before anything else runs.
 * Routes hold no permission logic of their own: this is the only place a request is allowed or denied.
 * An `Idempotency-Key` is honoured (a fresh run or a replay) only after the request is allowed.
 */
export function action(authorizer: Authorizer, name: string, resourceType: string) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    c.set('action', name);
    const principal = c.var.principal;
    const id = c.req.param('id');
    const decision = authorizer.authorize({
      principal,
      action: name,
      resource: { type: resourceType, tenant: principal.tenant, ...(id === undefined ? {} : { id }) },
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
    // Only now may an Idempotency-Key replay a stored answer: the decision above comes first.
    await (c.var.idempotent ? c.var.idempotent(next) : next());
  });
}
