import {
  CreateTagsCommand,
  DeleteTagsCommand,
  type EC2Client,
  type Instance,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import { awsCall } from './aws-errors.ts';
import { sleep, TAG, tagValue } from './aws-settings.ts';

export interface ResizeDeps {
  ec2: EC2Client;
  /** The instance as EC2 describes it now (tolerating eventual consistency for fresh ids). */
  describe: (serverId: string) => Promise<Instance>;
  pollMs: number;
  waitTimeoutMs: number;
}

/**
 * The instance type changes only while stopped
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/change-instance-type-of-ebs-backed-instance.html):
 * a running instance is stopped, modified and started again; there is no confirm step. An `hcb:resizing`
 * tag set before the stop says "started again afterwards", so a retry after a crash between stop and start
 * still restarts the instance (I5), and getServer reports `resizing` meanwhile.
 */
export async function resizeInstance(
  deps: ResizeDeps,
  serverId: string,
  instanceType: string,
): Promise<void> {
  const { ec2 } = deps;
  const instance = await deps.describe(serverId);
  const state = instance.State?.Name ?? '';
  const resuming = tagValue(instance.Tags, TAG.resizing) !== undefined;
  if (instance.InstanceType === instanceType && (!resuming || state === 'running')) {
    // Done — possibly by an earlier attempt that died before clearing its tag.
    if (resuming) await tagResizing(ec2, serverId, undefined);
    return;
  }
  if (!['running', 'pending', 'stopping', 'stopped'].includes(state))
    throw new BrokerError('aws.conflict', `cannot resize an instance that is ${state}`);
  const restart = resuming || (state !== 'stopped' && state !== 'stopping');
  if (restart && !resuming) await tagResizing(ec2, serverId, instanceType);
  if (state === 'running' || state === 'pending')
    await awsCall('StopInstances', () => ec2.send(new StopInstancesCommand({ InstanceIds: [serverId] })));
  if (state !== 'stopped') await waitForState(deps, serverId, 'stopped');
  if (instance.InstanceType !== instanceType)
    await awsCall('ModifyInstanceAttribute', () =>
      ec2.send(
        new ModifyInstanceAttributeCommand({ InstanceId: serverId, InstanceType: { Value: instanceType } }),
      ),
    );
  if (!restart) return;
  await awsCall('StartInstances', () => ec2.send(new StartInstancesCommand({ InstanceIds: [serverId] })));
  await tagResizing(ec2, serverId, undefined);
}

async function tagResizing(
  ec2: EC2Client,
  serverId: string,
  instanceType: string | undefined,
): Promise<void> {
  const Resources = [serverId];
  if (instanceType === undefined)
    await awsCall('DeleteTags', () =>
      ec2.send(new DeleteTagsCommand({ Resources, Tags: [{ Key: TAG.resizing }] })),
    );
  else
    await awsCall('CreateTags', () =>
      ec2.send(new CreateTagsCommand({ Resources, Tags: [{ Key: TAG.resizing, Value: instanceType }] })),
    );
}

async function waitForState(deps: ResizeDeps, serverId: string, state: string): Promise<void> {
  const deadline = Date.now() + deps.waitTimeoutMs;
  while ((await deps.describe(serverId)).State?.Name !== state) {
    if (Date.now() > deadline)
      throw new BrokerError('aws.timeout', `instance did not become ${state} in time`);
    await sleep(deps.pollMs);
  }
}
