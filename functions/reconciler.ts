import type { ScheduledEvent } from 'aws-lambda';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';

/**
 * The reconciler function, on a schedule: resume stalled operations, release stale claims, bring drift into
 * the records, report or delete orphans, probe each target's health (docs/reconciler.md).
 */
export async function handler(_event: ScheduledEvent) {
  const { reconciler } = await lambdaBroker();
  return reconciler.run();
}
