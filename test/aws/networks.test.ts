import { startHarness } from '../support/broker-harness.ts';
import { describeNetworkApi } from '../support/network-api.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

/** The public site is AWS (the emulator): a tenant network there is a subnet of the default VPC. */
useEmulator();

describeNetworkApi('simulated on-prem, AWS emulator public', async () => {
  const harness = await startHarness({ targetsFile: await awsCatalogue(['us-east-1']) });
  return {
    harness,
    onprem: 'sandbox-onprem-north',
    public: 'aws-us-east-1',
    settleMs: 120_000,
    cleanup: () => harness.close(),
  };
});
