import { fakeHypervisorUploads, openstackProvider } from '../openstack/openstack-target.ts';
import { startServerlessBroker } from '../serverless/serverless-broker.ts';
import { type BrokerUnderTest, spawnBroker } from './spawned-broker.ts';

/**
 * One suite, two ways to run the broker: the `e2e` project drives `npm start` (the embedded default), the
 * `serverless` project (`HCB_E2E_BROKER=serverless`) the synthesised Lambda bundles in the local serverless
 * runtime against real OpenStack and the AWS emulator.
 */
export const BROKER_KIND: 'embedded' | 'serverless' =
  process.env.HCB_E2E_BROKER === 'serverless' ? 'serverless' : 'embedded';

/** What the suites may expect of a broker: its timings, and what its targets need from the test side. */
export interface BrokerProfile {
  title: string;
  /** Start-up, including (serverless) the moto/OpenStack bring-up and a re-synthesis when sources changed. */
  startupMs: number;
  /** One operation, queued to settled. */
  settleMs: number;
  /** Ten VM deletes at once, all settled. */
  deleteBudgetMs: number;
  /** Worker step runs a whole operation may take (creates: provision + polls with back-off). */
  maxRunsPerOperation: number;
  /** Polls of one VM build. */
  maxPollsPerBuild: number;
  /**
   * Stand-ins for what a real target's hypervisor does and its test double does not, started for a suite
   * and stopped after it (returns the stop).
   */
  standIns(): () => void;
}

const PROFILES: Record<typeof BROKER_KIND, BrokerProfile> = {
  // The sandbox's default timings: builds 1.5–2 s, deletes ≤ 700 ms; polls back off 250 ms, 500 ms, 1 s, 2 s.
  embedded: {
    title: 'npm start',
    startupMs: 90_000,
    settleMs: 30_000,
    deleteBudgetMs: 15_000,
    maxRunsPerOperation: 12,
    maxPollsPerBuild: 8,
    standIns: () => () => undefined,
  },
  // Real clouds behind Lambda bundles on a 2-core machine: every step is a cold or warm function invocation
  // fed by SQS, Nova's fake driver builds concurrent servers one after another, the emulator answers slowly
  // under load. Polls still back off, so the step counts stay bounded.
  serverless: {
    title: 'deployed shape (local serverless runtime)',
    startupMs: 300_000,
    settleMs: 120_000,
    deleteBudgetMs: 90_000,
    maxRunsPerOperation: 16,
    maxPollsPerBuild: 12,
    // Nova's fake driver never uploads a snapshot's bytes, so an OpenStack image would stay `queued`.
    standIns: () => fakeHypervisorUploads(openstackProvider(), 'img-'),
  },
};

export const BROKER_PROFILE: BrokerProfile = PROFILES[BROKER_KIND];

export function startBrokerUnderTest(): Promise<BrokerUnderTest> {
  return BROKER_KIND === 'serverless' ? startServerlessBroker() : spawnBroker();
}
