import { remainingPermitted } from '../model/placement.ts';
import type { TargetRef } from '../model/target.ts';
import type { StepContext, StepOutcome } from './step.ts';

/**
 * Moves a create to the next *permitted* candidate of the operation's recorded placement decision after
 * `failedTargetId` failed (docs/design.md, Placement step 4). Denied candidates are never tried (I1); when
 * none is left, the operation fails with `placement.exhausted`, naming every target tried and why it was
 * left. `repoint` records the new target on the resource (and forgets any cloud id from the failed one).
 */
export async function fallBackToNextPermitted(
  ctx: StepContext,
  failedTargetId: string,
  reason: string,
  repoint: (next: TargetRef) => Promise<unknown>,
  provisionStep = 'provision',
): Promise<StepOutcome> {
  const { op } = ctx;
  if (!op.triedTargets.includes(failedTargetId)) op.triedTargets.push(failedTargetId);
  op.targetFailures = { ...op.targetFailures, [failedTargetId]: reason };
  const next = op.placement ? remainingPermitted(op.placement, op.triedTargets)[0] : undefined;
  if (!next) {
    const why = op.triedTargets.map((t) => `${t} (${op.targetFailures?.[t] ?? 'failed'})`);
    return {
      type: 'fail',
      error: { code: 'placement.exhausted', message: `no permitted target left: ${why.join('; ')}` },
      note: `${failedTargetId}: ${reason}`,
    };
  }
  await repoint({ targetId: next.targetId, cloud: next.cloud, region: next.region, site: next.site });
  return {
    type: 'next',
    step: provisionStep,
    note: `fell back from ${failedTargetId} to ${next.targetId}: ${reason}`,
  };
}
