import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { type Handler, stubEc2 } from '../../test/support/stub-aws-send.ts';
import { awsSettings } from './aws-settings.ts';
import { EbsBlockStorage, ebsType, freeDeviceName, toSnapshotState, toVolumeState } from './ebs.ts';
import { Ec2Location } from './ec2-location.ts';

function blockStorage(handlers: Record<string, Handler>) {
  const { ec2, calls } = stubEc2(handlers);
  const settings = awsSettings(
    {
      id: 't',
      region: 'us-east-1',
      connection: { subnetId: 'subnet-1', kmsKeyId: 'alias/k' },
    } as unknown as Target,
    {},
  );
  return { b: new EbsBlockStorage(ec2, settings, new Ec2Location(ec2, settings)), calls };
}

const volume = (extra: Record<string, unknown> = {}) => ({
  VolumeId: 'vol-1',
  State: 'available',
  Size: 1,
  Attachments: [],
  ...extra,
});

describe('device names', () => {
  it('picks the first free /dev/sd[f-p], counting xvd aliases as taken', () => {
    expect(freeDeviceName(['/dev/sda1'])).toBe('/dev/sdf');
    expect(freeDeviceName(['/dev/xvda', '/dev/xvdf', '/dev/sdg'])).toBe('/dev/sdh');
    expect(freeDeviceName('fghijklmnop'.split('').map((c) => `/dev/sd${c}`))).toBeUndefined();
  });
});

describe('EbsBlockStorage', () => {
  it('creates encrypted gp3 volumes in the subnet zone, with the KMS key, token and broker tags', async () => {
    const { b, calls } = blockStorage({
      DescribeVolumes: () => ({ Volumes: [] }),
      DescribeSubnets: () => ({ Subnets: [{ AvailabilityZone: 'us-east-1c', VpcId: 'vpc-1' }] }),
      CreateVolume: () => volume({ State: 'creating', Tags: [{ Key: 'hcb:volume', Value: 'vol-b1' }] }),
    });
    const created = await b.createVolume({
      brokerId: 'vol-b1',
      name: 'data',
      sizeGiB: 1,
      tags: {},
      clientToken: 'op-7',
    });
    expect(created).toMatchObject({ id: 'vol-1', brokerId: 'vol-b1', state: 'creating' });
    expect(calls.at(-1)!.input).toMatchObject({
      ClientToken: 'op-7',
      AvailabilityZone: 'us-east-1c',
      Size: 1,
      VolumeType: 'gp3',
      Encrypted: true,
      KmsKeyId: 'alias/k',
    });
  });

  it('creates and retypes io2 volumes with an IOPS rate, and leaves a volume of that type as it is', async () => {
    let existing: Record<string, unknown>[] = [];
    const { b, calls } = blockStorage({
      DescribeVolumes: () => ({ Volumes: existing }),
      DescribeSubnets: () => ({ Subnets: [{ AvailabilityZone: 'us-east-1c', VpcId: 'vpc-1' }] }),
      CreateVolume: () => volume({ State: 'creating', VolumeType: 'io2' }),
      ModifyVolume: () => ({}),
    });
    await b.createVolume({
      brokerId: 'v',
      name: 'd',
      sizeGiB: 8,
      tags: {},
      clientToken: 'op',
      volumeType: 'io2',
    });
    expect(calls.find((c) => c.action === 'CreateVolume')!.input).toMatchObject({
      VolumeType: 'io2',
      Iops: 400,
    });
    existing = [volume({ Size: 8, VolumeType: 'gp3' })];
    await b.retypeVolume('vol-1', 'io2');
    expect(calls.at(-1)).toEqual({
      action: 'ModifyVolume',
      input: { VolumeId: 'vol-1', VolumeType: 'io2', Iops: 400 },
    });
    await b.retypeVolume('vol-1', 'gp3');
    expect(calls.at(-1)!.action).toBe('DescribeVolumes');
    expect(ebsType('gp3', 8)).toEqual({ VolumeType: 'gp3' });
    expect(ebsType('io1', 1)).toEqual({ VolumeType: 'io1', Iops: 100 });
    expect(ebsType('io2', 5000)).toEqual({ VolumeType: 'io2', Iops: 64_000 });
  });

  it('attaches on the first free device and does nothing when already attached there', async () => {
    const { b, calls } = blockStorage({
      DescribeVolumes: () => ({ Volumes: [volume()] }),
      DescribeInstances: () => ({
        Reservations: [
          {
            Instances: [
              {
                State: { Name: 'running' },
                BlockDeviceMappings: [{ DeviceName: '/dev/sda1' }, { DeviceName: '/dev/sdf' }],
              },
            ],
          },
        ],
      }),
      AttachVolume: () => ({}),
    });
    await b.attachVolume('vol-1', 'i-1');
    expect(calls.at(-1)).toEqual({
      action: 'AttachVolume',
      input: { VolumeId: 'vol-1', InstanceId: 'i-1', Device: '/dev/sdg' },
    });
    const attached = blockStorage({
      DescribeVolumes: () => ({
        Volumes: [volume({ State: 'in-use', Attachments: [{ InstanceId: 'i-1', State: 'attached' }] })],
      }),
    });
    await attached.b.attachVolume('vol-1', 'i-1');
    expect(attached.calls.map((c) => c.action)).toEqual(['DescribeVolumes']);
  });

  it('detaches idempotently and treats a deleted volume as gone', async () => {
    const { b, calls } = blockStorage({ DescribeVolumes: () => ({ Volumes: [volume()] }) });
    await b.detachVolume('vol-1', 'i-1');
    expect(calls.map((c) => c.action)).toEqual(['DescribeVolumes']);
    const deleted = blockStorage({ DescribeVolumes: () => ({ Volumes: [volume({ State: 'deleted' })] }) });
    await expect(deleted.b.getVolume('vol-1')).rejects.toMatchObject({ code: 'aws.notFound' });
  });

  it('finds a snapshot by broker id before taking another', async () => {
    const { b, calls } = blockStorage({
      DescribeSnapshots: () => ({
        Snapshots: [
          {
            SnapshotId: 'snap-1',
            VolumeId: 'vol-1',
            State: 'completed',
            Tags: [{ Key: 'hcb:snapshot', Value: 's1' }],
          },
        ],
      }),
    });
    expect(await b.createSnapshot('vol-1', { brokerId: 's1', name: 'n' })).toMatchObject({
      id: 'snap-1',
      state: 'available',
      brokerId: 's1',
    });
    expect(calls.map((c) => c.action)).toEqual(['DescribeSnapshots']);
  });
});

describe('EBS states', () => {
  it.each([
    ['creating', undefined, 'creating'],
    ['available', undefined, 'available'],
    ['in-use', 'attaching', 'attaching'],
    ['in-use', 'attached', 'inUse'],
    ['in-use', 'detaching', 'detaching'],
    ['deleting', undefined, 'deleting'],
    ['error', undefined, 'error'],
    ['optimizing', undefined, 'unknown'],
  ])('volume %s (attachment %s) is %s', (state, attachment, expected) => {
    expect(
      toVolumeState({
        State: state as never,
        Attachments: attachment ? [{ State: attachment as never }] : [],
      }),
    ).toBe(expected);
  });

  it('maps snapshot states', () => {
    expect([
      toSnapshotState('pending'),
      toSnapshotState('completed'),
      toSnapshotState('error'),
      toSnapshotState('x'),
    ]).toEqual(['creating', 'available', 'error', 'unknown']);
  });
});
