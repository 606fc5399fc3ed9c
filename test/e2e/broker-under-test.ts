import { startServerlessBroker } from '../serverless/serverless-broker.ts';
import { type BrokerUnderTest, spawnBroker } from './spawned-broker.ts';

/**
 * One suite, two ways to run the broker: the `e2e` project drives `npm start` (the embedded default), the
 * `serverless` project (`HCB_E2E_BROKER=serverless`) the synthesised Lambda bundles in the local serverless
 * runtime against real OpenStack and the AWS emulator.
 */
export const BROKER_KIND: 'embedded' | 'serverless' =
  process.env.HCB_E2E_BROKER === 'serverless' ? 'serverless' : 'embedded';

export function startBrokerUnderTest(): Promise<BrokerUnderTest> {
  return BROKER_KIND === 'serverless' ? startServerlessBroker() : spawnBroker();
}
