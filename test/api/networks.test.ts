import { startHarness } from '../support/broker-harness.ts';
import { describeNetworkApi } from '../support/network-api.ts';

/** Tenant networks on the sandbox: every target simulated. */
describeNetworkApi('sandbox', async () => {
  const harness = await startHarness();
  return {
    harness,
    onprem: 'sandbox-onprem-north',
    public: 'sandbox-public-east',
    settleMs: 20_000,
    cleanup: () => harness.close(),
  };
});
