import { startHarness } from '../support/broker-harness.ts';
import { describeFlowMatrix } from '../support/flow-matrix.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

/** The public site is AWS (the emulator), two regions; on-prem is simulated. */
useEmulator();

describeFlowMatrix('simulated on-prem, AWS emulator public', async (clock) => {
  const harness = await startHarness({ clock, targetsFile: await awsCatalogue(['us-east-1', 'us-west-2']) });
  const cloudOf = (id: string) => harness.broker.providers.get(id).target.cloud;
  return {
    harness,
    onprem: ['sandbox-onprem-north', 'sandbox-onprem-south'],
    public: ['aws-us-east-1', 'aws-us-west-2'],
    sameCloud: (a, b) => cloudOf(a) === cloudOf(b),
    settleMs: 120_000,
    cleanup: () => harness.close(),
  };
});
