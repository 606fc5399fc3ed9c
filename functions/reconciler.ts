import type { ScheduledEvent } from 'aws-lambda';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';

/**
 * The reconciler function, on a schedule: resume stalled operations, release stale claims, bring drift into
 * the records, report or delete orphans, probe each target's health (docs/reconciler.md), then relay outbox
 * events and deliver webhooks (docs/events.md).
 */
export async function handler(_event: ScheduledEvent) {
  const { reconciler, events } = await lambdaBroker();
  const report = await reconciler.run();
  // The outbox relay and webhook delivery ride on the schedule (docs/events.md).
  await events.deliverPending();
  return report;
}
