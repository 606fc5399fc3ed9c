import type { ScheduledEvent } from 'aws-lambda';
import { reportQuotaUse } from '../core/metrics/quota-use.ts';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';

/**
 * The reconciler function, on a schedule: resume stalled operations, release stale claims, bring drift into
 * the records, report or delete orphans, probe each target's health (docs/reconciler.md), then relay outbox
 * events and deliver webhooks (docs/events.md).
 */
export async function handler(_event: ScheduledEvent) {
  const { reconciler, events, stores, metrics } = await lambdaBroker();
  const report = await reconciler.run();
  // Quota use is a level: each pass reports it (the dashboard's quota row reads these).
  await reportQuotaUse(stores.quotas, metrics).catch(() => undefined);
  // The outbox relay and webhook delivery ride on the schedule (docs/events.md).
  await events.deliverPending();
  return report;
}
