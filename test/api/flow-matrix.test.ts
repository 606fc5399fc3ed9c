import { startHarness } from '../support/broker-harness.ts';
import { describeFlowMatrix } from '../support/flow-matrix.ts';

/** The matrix on the sandbox: every target simulated, every cell end to end. */
describeFlowMatrix('sandbox', async (clock) => {
  const harness = await startHarness({ clock });
  return {
    harness,
    onprem: ['sandbox-onprem-north', 'sandbox-onprem-south'],
    public: ['sandbox-public-east', 'sandbox-public-west'],
    sameCloud: () => true,
    settleMs: 20_000,
    cleanup: () => harness.close(),
  };
});
