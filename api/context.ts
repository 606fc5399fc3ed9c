import type { AuditPlacementSummary } from '../core/model/audit.ts';
import type { Principal } from '../core/model/principal.ts';

/** What middleware and handlers share per request (Hono context variables). */
export interface AuditNote {
  resource?: { type: string; id?: string; tenant?: string };
  placement?: AuditPlacementSummary;
  operationId?: string;
  detail?: Record<string, string>;
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
}

export type ApiEnv = { Variables: ApiVariables };
