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
    // The emulator's default VPC is 172.31.0.0/16: a subnet elsewhere is refused by EC2.
    refusedOnPublic: '10.250.0.0/24',
    cleanup: () => harness.close(),
  };
});
