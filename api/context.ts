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
