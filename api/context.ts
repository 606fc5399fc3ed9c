import type { Next } from 'hono';
import type { AuditPlacementSummary } from '../core/model/audit.ts';
import type { Principal } from '../core/model/principal.ts';
import type { IdempotencyScope } from '../core/ports/idempotency.ts';

/** What middleware and handlers share per request (Hono context variables). */
export interface AuditNote {
  resource?: { type: string; id?: string; tenant?: string };
  placement?: AuditPlacementSummary;
  operationId?: string;
  detail?: Record<string, string>;
  /** Set on an idempotent replay: the request whose stored response was replayed. */
  replayOf?: string;
}

export interface ApiVariables {
  requestId: string;
  /** The verified token's identity, as the audit trail records it. */
  caller: Principal;
  /**
   * The caller acting in the request's tenant: the caller itself, or — when the request names another
   * tenant (`?tenant=`) and policy allowed it — the caller scoped to that tenant. Handlers look only there.
   */
  principal: Principal;
  /** The API action the matched route performs (`vm.create`); set by the route's own middleware. */
  action: string;
  /** The policies that authorized (or denied) the request. */
  authorizationPolicies: string[];
  audit: AuditNote;
  /** The error code of the problem response, once the error handler made one. */
  problemCode: string;
  /** Present when the request carries an `Idempotency-Key`: runs the rest of it at most once (after authorization). */
  idempotent?: (next: Next) => Promise<void>;
  /** The key's scope and request fingerprint, for the domain to bind what it creates to. */
  idempotency?: IdempotencyScope;
}

/** What a route hands the domain about its request. */
export function requestContext(c: { var: ApiVariables }) {
  const { principal, requestId, idempotency } = c.var;
  return { principal, requestId, ...(idempotency === undefined ? {} : { idempotency }) };
}

export type ApiEnv = { Variables: ApiVariables };
