import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsProvider } from '../../connectors/aws/aws-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { sandboxServersOf } from '../support/sandbox-servers.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

useEmulator();

const RUNS = 8;
const ONPREM = ['sandbox-onprem-north', 'sandbox-onprem-south'];

/**
 * False-negative creates against the emulator: RunInstances really runs, then the broker's SDK client
 * tells the connector it timed out (odd calls) or that EC2 answered 503 (even calls) — a middleware
 * outside the SDK's own retries. Each request must still end with exactly one instance.
 */
describe('false-negative creates on the AWS emulator', () => {
  let h: Harness;
  let app: string;
  const ec2 = new EC2Client({ region: 'us-east-1' });
  const vmIds: string[] = [];
  let faulted = 0;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: await awsCatalogue(['us-east-1']) });
    app = await h.token('tenant-aws-fn', ['app']);
    const provider = h.broker.providers.get('aws-us-east-1') as AwsProvider;
    provider.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName !== 'RunInstancesCommand') return result;
        faulted += 1;
        if (faulted % 2 === 1)
          throw Object.assign(new Error('simulated timeout after RunInstances'), { name: 'TimeoutError' });
        throw Object.assign(new Error('simulated 503 after RunInstances'), {
          name: 'ServiceUnavailable',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        });
      },
      { step: 'initialize', name: 'falseNegativeCreates' },
    );
  });
  afterAll(async () => {
    const ids = (await Promise.all(vmIds.map(instancesOf))).flat();
    if (ids.length > 0) await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    await h?.close();
  });

  const instancesOf = async (vmId: string): Promise<string[]> => {
    const out = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:hcb:vm', Values: [vmId] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    return (out.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId!));
  };

  it(`leaves exactly one instance per request (${RUNS} requests, every RunInstances answer lost)`, async () => {
    let duplicates = 0;
    for (let i = 0; i < RUNS; i++) {
      const created = await h.call('POST', '/v1/vms', {
        token: app,
        body: { name: `fn-aws-${i}`, size: 'small', image: 'ubuntu-24.04', classification: 'public' },
      });
      expect(created.status, created.text).toBe(202);
      const vmId = created.body.vm.id as string;
      vmIds.push(vmId);
      const op = await h.settle(app, created.body.operation.id, 120_000);
      expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
      expect(op.result.targetId, JSON.stringify(created.body.operation.placement)).toBe('aws-us-east-1');
      const instances = await instancesOf(vmId);
      const elsewhere = sandboxServersOf(h.dataDir, ONPREM, vmId);
      if (instances.length + elsewhere.length !== 1) duplicates += 1;
      expect(instances).toHaveLength(1);
      expect(elsewhere).toEqual([]);
    }
    console.info(
      `AWS false-negative creates: ${RUNS} requests, ${faulted} answers lost, ${duplicates} duplicates`,
    );
    expect(faulted).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});
