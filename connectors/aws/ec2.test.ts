import type { Instance } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import type { CloudServer, CreateServerInput } from '../../core/ports/cloud/compute.ts';
import { type Handler, stubEc2 as stubClient } from '../../test/support/stub-aws-send.ts';
import { awsSettings } from './aws-settings.ts';
import { Ec2Compute, instanceAbsent, toServerState } from './ec2.ts';
import { FreshIds } from './ec2-fresh-ids.ts';
import { Ec2Location } from './ec2-location.ts';

/** An EC2Client whose `send` answers from handlers by action name and records every call (no network). */
function stubEc2(handlers: Record<string, Handler>) {
  const { ec2, calls } = stubClient(handlers);
  return { ec2, calls, actions: () => calls.map((c) => c.action) };
}

const awsError = (code: string) =>
  Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: 400 } });

const target: Target = {
  id: 'aws-unit',
  cloud: 'aws',
  region: 'us-east-1',
  site: 'public',
  description: 'unit',
  kinds: ['vm'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 1 },
  sizes: { small: 't3.micro', medium: 't3.small' },
  images: { 'ubuntu-24.04': 'ami-0123456789abcdef0' },
  connection: { availabilityZone: 'us-east-1b' },
};

const input: CreateServerInput = {
  brokerId: 'vm-1',
  name: 'web-1',
  size: 'small',
  image: 'ubuntu-24.04',
  userData: '#cloud-config',
  tags: { team: 'x', 'aws:reserved': 'no' },
  clientToken: 'op-1',
};

const instance = (state: string, extra: Partial<Instance> = {}): Instance => ({
  InstanceId: 'i-1',
  State: { Name: state as never },
  InstanceType: 't3.micro',
  PrivateIpAddress: '10.0.0.5',
  Tags: [
    { Key: 'hcb:vm', Value: 'vm-1' },
    { Key: 'Name', Value: 'web-1' },
  ],
  ...extra,
});
const described = (...instances: Instance[]) => ({ Reservations: [{ Instances: instances }] });

function compute(handlers: Record<string, Handler>, fresh?: FreshIds<CloudServer>) {
  const stub = stubEc2(handlers);
  const settings = awsSettings(target, {});
  const c = new Ec2Compute({
    ec2: stub.ec2,
    target,
    settings,
    location: new Ec2Location(stub.ec2, settings),
    pollMs: 1,
    waitTimeoutMs: 1_000,
    fresh: fresh ?? new FreshIds({ absent: instanceAbsent, retryDelaysMs: [1, 1, 1], sleep: async () => {} }),
  });
  return { c, ...stub };
}

describe('Ec2Compute.createServer', () => {
  it('launches with ClientToken, IMDSv2, an encrypted root of the AMI size, no public IP and broker tags', async () => {
    const { c, calls } = compute({
      DescribeInstances: () => ({ Reservations: [] }),
      DescribeImages: () => ({
        Images: [
          {
            RootDeviceName: '/dev/xvda',
            BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }],
          },
        ],
      }),
      RunInstances: () => ({ Instances: [instance('pending')] }),
    });
    const server = await c.createServer(input);
    expect(server).toMatchObject({ id: 'i-1', brokerId: 'vm-1', state: 'building', sizeRef: 't3.micro' });
    const run = calls.find((x) => x.action === 'RunInstances')!.input;
    expect(run).toMatchObject({
      ClientToken: 'op-1',
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, DeleteOnTermination: true, VolumeSize: 8 } },
      ],
      NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: false }],
      Placement: { AvailabilityZone: 'us-east-1b' },
      UserData: Buffer.from('#cloud-config').toString('base64'),
    });
    const tags = (run.TagSpecifications as { ResourceType: string; Tags: { Key: string }[] }[])[0]!.Tags.map(
      (t) => t.Key,
    );
    expect(tags).toEqual(expect.arrayContaining(['hcb:vm', 'Name', 'hcb:client-token', 'team']));
    expect(tags).not.toContain('aws:reserved');
  });

  it('returns what an earlier attempt with the same token launched, without launching again', async () => {
    const { c, actions } = compute({ DescribeInstances: () => described(instance('running')) });
    expect((await c.createServer(input)).id).toBe('i-1');
    expect(actions()).toEqual(['DescribeInstances']);
  });

  it('refuses sizes and images the target does not map, before calling AWS', async () => {
    const { c, calls } = compute({});
    await expect(c.createServer({ ...input, size: 'huge' })).rejects.toMatchObject({
      code: 'aws.invalidRequest',
    });
    await expect(c.createServer({ ...input, image: 'windows' })).rejects.toMatchObject({
      code: 'aws.invalidRequest',
    });
    expect(calls).toHaveLength(0);
  });

  it('passes capacity errors on as aws.capacity (the core falls back to the next target)', async () => {
    const { c } = compute({
      DescribeInstances: () => ({ Reservations: [] }),
      DescribeImages: () => ({ Images: [{ RootDeviceName: '/dev/sda1' }] }),
      RunInstances: () => {
        throw awsError('InsufficientInstanceCapacity');
      },
    });
    await expect(c.createServer(input)).rejects.toMatchObject({ code: 'aws.capacity' });
  });
});

describe('eventual consistency right after RunInstances', () => {
  const launched = (): FreshIds<CloudServer> => {
    const fresh = new FreshIds<CloudServer>({
      absent: instanceAbsent,
      retryDelaysMs: [1, 1, 1],
      sleep: async () => {},
    });
    fresh.remember('i-1', {
      id: 'i-1',
      name: 'web-1',
      state: 'building',
      rawState: 'pending',
      addresses: [],
    });
    return fresh;
  };

  it('retries a NotFound for an id it just created, and answers once EC2 catches up', async () => {
    let n = 0;
    const { c } = compute(
      {
        DescribeInstances: () => {
          if (n++ < 2) throw awsError('InvalidInstanceID.NotFound');
          return described(instance('running'));
        },
      },
      launched(),
    );
    expect((await c.getServer('i-1')).state).toBe('active');
    expect(n).toBe(3);
  });

  it('reports a just-created id that stays invisible as building, not as gone', async () => {
    const { c } = compute(
      {
        DescribeInstances: () => {
          throw awsError('InvalidInstanceID.NotFound');
        },
      },
      launched(),
    );
    expect(await c.getServer('i-1')).toMatchObject({ id: 'i-1', state: 'building' });
  });

  it('does not take "not visible yet" for "already deleted"', async () => {
    const { c } = compute(
      {
        DescribeInstances: () => {
          throw awsError('InvalidInstanceID.NotFound');
        },
      },
      launched(),
    );
    await expect(c.deleteServer('i-1')).rejects.toMatchObject({ code: 'aws.timeout' });
  });

  it('answers notFound at once for ids it did not create, and deletes them idempotently', async () => {
    const { c, calls } = compute({
      DescribeInstances: () => {
        throw awsError('InvalidInstanceID.NotFound');
      },
    });
    await expect(c.getServer('i-404')).rejects.toMatchObject({ code: 'aws.notFound' });
    await expect(c.deleteServer('i-404')).resolves.toBeUndefined();
    expect(calls).toHaveLength(2);
  });
});

describe('Ec2Compute lifecycle', () => {
  it('does not terminate an instance that is already terminated', async () => {
    const { c, actions } = compute({ DescribeInstances: () => described(instance('terminated')) });
    await c.deleteServer('i-1');
    expect(actions()).toEqual(['DescribeInstances']);
  });

  it('resizes a running instance by stop, wait, modify, start', async () => {
    const states = ['running', 'stopping', 'stopped'];
    const { c, calls } = compute({
      DescribeInstances: () => described(instance(states.shift() ?? 'stopped')),
      StopInstances: () => ({}),
      ModifyInstanceAttribute: () => ({}),
      StartInstances: () => ({}),
      CreateTags: () => ({}),
      DeleteTags: () => ({}),
    });
    await c.resizeServer('i-1', 'medium');
    expect(calls.map((x) => x.action)).toEqual([
      'DescribeInstances',
      'CreateTags',
      'StopInstances',
      'DescribeInstances',
      'DescribeInstances',
      'ModifyInstanceAttribute',
      'StartInstances',
      'DeleteTags',
    ]);
    expect(calls[1]!.input).toEqual({
      Resources: ['i-1'],
      Tags: [{ Key: 'hcb:resizing', Value: 't3.small' }],
    });
    expect(calls[5]!.input).toEqual({ InstanceId: 'i-1', InstanceType: { Value: 't3.small' } });
  });

  it('finishes a resize whose earlier attempt died between stop and start (the tag says so)', async () => {
    const resizing = {
      Tags: [{ Key: 'hcb:resizing', Value: 't3.small' }],
      InstanceType: 't3.small' as const,
    };
    const { c, actions } = compute({
      DescribeInstances: () => described(instance('stopped', resizing)),
      StartInstances: () => ({}),
      DeleteTags: () => ({}),
    });
    expect(toServerState(instance('stopped', resizing))).toBe('resizing');
    await c.resizeServer('i-1', 'medium');
    expect(actions()).toEqual(['DescribeInstances', 'StartInstances', 'DeleteTags']);
    const started = compute({
      DescribeInstances: () => described(instance('running', resizing)),
      DeleteTags: () => ({}),
    });
    await started.c.resizeServer('i-1', 'medium');
    expect(started.actions()).toEqual(['DescribeInstances', 'DeleteTags']);
  });

  it('resizes a stopped instance in place and leaves it stopped; the same size is a no-op', async () => {
    const stopped = compute({
      DescribeInstances: () => described(instance('stopped')),
      ModifyInstanceAttribute: () => ({}),
    });
    await stopped.c.resizeServer('i-1', 'medium');
    expect(stopped.actions()).toEqual(['DescribeInstances', 'ModifyInstanceAttribute']);
    const same = compute({ DescribeInstances: () => described(instance('running')) });
    await same.c.resizeServer('i-1', 'small');
    expect(same.actions()).toEqual(['DescribeInstances']);
  });

  it('says unsupported for pause, unpause and live migration', async () => {
    const { c } = compute({});
    for (const call of [() => c.pauseServer(), () => c.unpauseServer(), () => c.liveMigrate()])
      await expect(call()).rejects.toMatchObject({ code: 'aws.unsupported' });
  });

  it('decodes the console output', async () => {
    const { c } = compute({ GetConsoleOutput: () => ({ Output: Buffer.from('login:').toString('base64') }) });
    expect(await c.getConsole('i-1')).toEqual({ kind: 'output', type: 'console-output', output: 'login:' });
  });
});

describe('EC2 instance states', () => {
  it.each([
    ['pending', undefined, 'building'],
    ['running', undefined, 'active'],
    ['stopping', undefined, 'active'],
    ['stopped', undefined, 'stopped'],
    ['shutting-down', undefined, 'deleting'],
    ['terminated', 'Client.UserInitiatedShutdown', 'deleted'],
    ['terminated', 'Server.InternalError', 'error'],
    ['terminated', 'Client.VolumeLimitExceeded', 'error'],
    ['hibernating', undefined, 'unknown'],
  ])('%s (%s) is %s', (state, reason, expected) => {
    expect(
      toServerState({ State: { Name: state as never }, StateReason: reason ? { Code: reason } : undefined }),
    ).toBe(expected);
  });
});
