import { createMiddleware } from 'hono/factory';
import { describeError } from '../../core/errors.ts';
import type { AuditOutcome } from '../../core/model/audit.ts';
import type { AuditLog } from '../../core/ports/audit-log.ts';
import type { Logger } from '../../core/ports/logger.ts';
import type { ApiEnv } from '../context.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function outcomeOf(status: number): AuditOutcome {
  if (status === 202) return 'accepted';
  if (status < 400) return 'succeeded';
  if (status === 401 || status === 403) return 'denied';
  if (status < 500) return 'rejected';
  return 'failed';
}

/**
 * Writes exactly one audit record per mutating request that reached a route (I3) — allowed, denied or
 * rejected alike. An idempotent replay gets its own record, marked `replayOf` the request it replays.
 */
export function audit(log: AuditLog, logger: Logger) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    await next();
    if (!MUTATING.has(c.req.method) || !c.var.action || !c.var.principal) return;
    const { principal, audit: note } = c.var;
    const caller = c.var.caller ?? principal;
    const problemCode = c.res.status >= 400 ? c.var.problemCode : undefined;
    const entry = {
      requestId: c.var.requestId,
      actor: { sub: caller.sub, tenant: caller.tenant, roles: caller.roles },
      action: c.var.action,
      resource: {
        type: note.resource?.type ?? c.var.action.split('.')[0]!,
        tenant: note.resource?.tenant ?? principal.tenant,
        ...((note.resource?.id ?? c.req.param('id')) ? { id: note.resource?.id ?? c.req.param('id') } : {}),
      },
      outcome: outcomeOf(c.res.status),
      httpStatus: c.res.status,
      ...(problemCode ? { errorCode: problemCode } : {}),
      policies: c.var.authorizationPolicies ?? [],
      ...(note.placement ? { placement: note.placement } : {}),
      ...(note.operationId ? { operationId: note.operationId } : {}),
      ...(note.detail ? { detail: note.detail } : {}),
      ...(note.replayOf ? { replayOf: note.replayOf } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await log.append(entry);
        return;
      } catch (error) {
        if (attempt >= 3) {
          // The change already happened; keep the record recoverable from the logs (it holds no PHI).
          logger.error('audit append failed', {
            requestId: entry.requestId,
            code: describeError(error).code,
            entry: JSON.stringify(entry),
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  });
}
