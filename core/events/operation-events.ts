import type { Operation } from '../model/operation.ts';
import type { BrokerEvent } from '../ports/events.ts';

/**
 * The events an operation's finishing transition tells: its outcome, and the VM's new status when it
 * differs from the one the operation started from. Ids derive from the operation and the transition, so
 * a transition written twice (a crash and a retry) still yields each event once.
 */
export function finishingEvents(
  op: Operation,
  outcome: 'succeeded' | 'failed',
  vmStatus: string | undefined,
  at: string,
): BrokerEvent[] {
  const events: BrokerEvent[] = [
    {
      id: `evt-${op.id}.${outcome}`,
      kind: outcome === 'succeeded' ? 'operation.succeeded' : 'operation.failed',
      tenant: op.tenant,
      time: at,
      data: {
        operationId: op.id,
        operationKind: op.kind,
        resourceType: op.resource.type,
        resourceId: op.resource.id,
        ...(outcome === 'failed' && op.error ? { errorCode: op.error.code } : {}),
      },
    },
  ];
  if (op.resource.type === 'vm' && vmStatus !== undefined && vmStatus !== op.subjectStatusAtStart)
    events.push({
      id: `evt-${op.id}.vm.${vmStatus}`,
      kind: 'vm.statusChanged',
      tenant: op.tenant,
      time: at,
      data: {
        vmId: op.resource.id,
        status: vmStatus,
        previousStatus: op.subjectStatusAtStart ?? null,
        operationId: op.id,
      },
    });
  return events;
}
