import type { ScheduledEvent } from 'aws-lambda';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';

/** The reconciler function, on a schedule: resume stalled operations, release stale claims, delete orphans. */
export async function handler(_event: ScheduledEvent) {
  const { reconciler } = await lambdaBroker();
  return reconciler.run();
}
