import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

useEmulator();

const ec2 = (region: string) => new EC2Client({ region });

describe('the broker end to end with AWS targets (emulator)', () => {
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: await awsCatalogue(['us-east-1', 'us-west-2']) });
    app = await h.token('tenant-aws', ['app']);
  });
  afterAll(() => h?.close());

  const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(app, reply.body.operation.id, 120_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    return op;
  };
  const get = async (path: string) => (await h.call('GET', path, { token: app })).body;

  let vmId: string;
  let instanceId: string;

  it('places a public VM on AWS; it reaches active', async () => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: 'portal-web',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'public',
        userData: '#!/bin/sh\necho hi',
      },
    });
    expect(created.body.vm.placement).toMatchObject({
      targetId: 'aws-us-east-1',
      cloud: 'aws',
      site: 'public',
    });
    const op = await settle(created);
    vmId = created.body.vm.id;
    instanceId = op.result.serverId;
    const vm = await get(`/v1/vms/${vmId}`);
    expect(vm.status).toBe('active');
    expect(vm.addresses.length).toBeGreaterThan(0);
    const { Reservations = [] } = await ec2('us-east-1').send(
      new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
    );
    const tags = Object.fromEntries(
      (Reservations[0]?.Instances?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]),
    );
    expect(tags['hcb:vm']).toBe(vmId);
  });

  it('keeps a phi VM off AWS', async () => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'ehr', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect(created.body.vm.placement.site).toBe('onprem');
    expect(
      created.body.operation.placement.candidates.filter(
        (c: { cloud: string; permitted: boolean }) => c.cloud === 'aws' && c.permitted,
      ),
    ).toEqual([]);
    await settle(created);
  });

  it('runs every action EC2 has, and refuses pause clearly', async () => {
    for (const [action, status] of [
      [{ type: 'stop' }, 'stopped'],
      [{ type: 'start' }, 'active'],
      [{ type: 'reboot' }, 'active'],
      [{ type: 'resize', size: 'medium' }, 'active'],
    ] as const) {
      await settle(await h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body: action }));
      expect((await get(`/v1/vms/${vmId}`)).status, action.type).toBe(status);
    }
    expect((await get(`/v1/vms/${vmId}`)).size).toBe('medium');
    const snapshot = await settle(
      await h.call('POST', `/v1/vms/${vmId}/actions`, {
        token: app,
        body: { type: 'snapshot', name: 'golden' },
      }),
    );
    expect(snapshot.result.cloudImageId).toMatch(/^ami-/);
    // Copied to the other region with EC2 CopyImage; the copy keeps the classification and is tagged.
    const copied = await settle(
      await h.call('POST', `/v1/images/${snapshot.result.imageId}/copy`, {
        token: app,
        body: { targetId: 'aws-us-west-2' },
      }),
    );
    const copy = await get(`/v1/images/${copied.result.imageId}`);
    expect(copy).toMatchObject({
      status: 'available',
      classification: 'public',
      placement: { targetId: 'aws-us-west-2' },
    });
    const { Images = [] } = await ec2('us-west-2').send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'tag:hcb:image', Values: [copy.id] }],
      }),
    );
    expect(Images).toHaveLength(1);
    await settle(await h.call('DELETE', `/v1/images/${copy.id}`, { token: app }));
    await settle(await h.call('DELETE', `/v1/images/${snapshot.result.imageId}`, { token: app }));
    // EC2 offers no console link through its API: the console's output (GetConsoleOutput), to admins.
    const console = await h.call('POST', `/v1/vms/${vmId}/actions`, {
      token: await h.token('tenant-aws', ['admin']),
      body: { type: 'console' },
    });
    expect(console.status).toBe(200);
    expect(console.body.console).toMatchObject({ kind: 'output', type: 'console-output' });
    // No hosts on AWS: the admin view names the target and no host.
    const hosting = await h.call('GET', `/v1/vms/${vmId}?view=admin`, {
      token: await h.token('tenant-aws', ['admin']),
    });
    expect(hosting.body.hosting).toEqual({ targetId: 'aws-us-east-1', migrations: [] });
    const pause = await h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body: { type: 'pause' } });
    expect(pause.status).toBe(422);
    expect(pause.body.code).toBe('vm.actionUnsupported');
  });

  let volumeId: string;

  it('attaches and detaches an encrypted EBS volume', async () => {
    const created = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'data', sizeGiB: 8, classification: 'public' },
    });
    expect(created.body.volume.placement.targetId).toBe('aws-us-east-1');
    const op = await settle(created);
    volumeId = created.body.volume.id;
    await settle(await h.call('POST', `/v1/volumes/${volumeId}/attach`, { token: app, body: { vmId } }));
    expect(await get(`/v1/volumes/${volumeId}`)).toMatchObject({ status: 'in-use', attachment: { vmId } });
    const { Volumes = [] } = await ec2('us-east-1').send(
      new DescribeVolumesCommand({ VolumeIds: [op.result.volumeId] }),
    );
    expect(Volumes[0]?.Encrypted).toBe(true);
    expect(Volumes[0]?.Attachments?.[0]?.InstanceId).toBe(instanceId);
    // The same tag filter the deletion check uses finds it now (so an empty answer later means gone).
    const tagged = await ec2('us-east-1').send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'tag:hcb:volume', Values: [volumeId] }] }),
    );
    expect(tagged.Volumes?.map((v) => v.VolumeId)).toEqual([op.result.volumeId]);
    await settle(await h.call('POST', `/v1/volumes/${volumeId}/detach`, { token: app }));
    expect((await get(`/v1/volumes/${volumeId}`)).status).toBe('available');
  });

  let bucketId: string;

  it('round-trips real bytes through presigned S3 links', async () => {
    const created = await h.call('POST', '/v1/buckets', {
      token: app,
      body: { name: 'brochures', classification: 'public' },
    });
    expect(created.body.bucket.placement.cloud).toBe('aws');
    await settle(created);
    bucketId = created.body.bucket.id;
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));
    const put = await h.call('POST', `/v1/buckets/${bucketId}/presign`, {
      token: app,
      body: { key: 'a/b.pdf', method: 'PUT', expiresInSeconds: 300 },
    });
    expect(put.status, put.text).toBe(200);
    expect(new URL(put.body.url).host).toBe(new URL(process.env.AWS_ENDPOINT_URL!).host);
    expect((await fetch(put.body.url, { method: 'PUT', body: bytes, headers: put.body.headers })).ok).toBe(
      true,
    );
    const getLink = await h.call('POST', `/v1/buckets/${bucketId}/presign`, {
      token: app,
      body: { key: 'a/b.pdf', method: 'GET', expiresInSeconds: 60 },
    });
    const back = Buffer.from(
      await (await fetch(getLink.body.url, { headers: getLink.body.headers })).arrayBuffer(),
    );
    expect(back.equals(bytes)).toBe(true);
  });

  it('deletes everything and leaves nothing behind in EC2, EBS or S3', async () => {
    await settle(await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app }));
    await settle(await h.call('DELETE', `/v1/buckets/${bucketId}?force=true`, { token: app }));
    await settle(await h.call('DELETE', `/v1/vms/${vmId}`, { token: app }));
    const { Reservations = [] } = await ec2('us-east-1').send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:hcb:vm', Values: [vmId] }] }),
    );
    const states = Reservations.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name);
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s === 'terminated' || s === 'shutting-down')).toBe(true);
    const { Volumes = [] } = await ec2('us-east-1').send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'tag:hcb:volume', Values: [volumeId] }] }),
    );
    expect(Volumes).toEqual([]);
    const s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true });
    const head = await s3
      .send(new HeadBucketCommand({ Bucket: `hcb-${bucketId}` }))
      .catch((e: { $metadata?: { httpStatusCode?: number } }) => e);
    expect((head as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(404);
  });
});
