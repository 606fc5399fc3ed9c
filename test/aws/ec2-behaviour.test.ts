import { randomBytes, randomUUID } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsProvider } from '../../connectors/aws/aws-provider.ts';
import type { CreateServerInput } from '../../core/ports/cloud/compute.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { waitFor } from '../support/wait-for.ts';
import { ubuntuAmi, useEmulator } from './emulator.ts';

/**
 * AWS-specific promises of the connector, proven on the emulator by reading back what EC2 and S3 report
 * (not what the connector says about itself).
 */
useEmulator();

const region = process.env.AWS_REGION!;
const run = randomUUID().slice(0, 8);
let p: AwsProvider;
let server: Instance;

const serverInput = (n: string, extra: Partial<CreateServerInput> = {}): CreateServerInput => ({
  brokerId: `vm-beh-${run}-${n}`,
  name: `beh-${run}-${n}`,
  size: 'small',
  image: 'ubuntu-24.04',
  tags: { 'hcb:test': 'behaviour', team: 'cardiology-apps' },
  clientToken: `beh-${run}-${n}`,
  ...extra,
});

async function describeInstance(id: string): Promise<Instance> {
  const out = await p.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

beforeAll(async () => {
  p = new AwsProvider(target(await ubuntuAmi(region)), { pollMs: 100 });
  const created = await p.compute.createServer(serverInput('main', { userData: '#cloud-config\n{}' }));
  server = await describeInstance(created.id);
});

afterAll(async () => {
  if (server?.InstanceId) await p.compute.deleteServer(server.InstanceId);
  await p?.close();
});

function target(ami: string) {
  return {
    id: 'aws-behaviour',
    cloud: 'aws' as const,
    region,
    site: 'public' as const,
    description: 'behaviour test target (AWS emulator)',
    kinds: ['vm' as const, 'volume' as const, 'bucket' as const],
    attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
    ranking: { preference: 0, costPerVcpuHour: 0 },
    sizes: { small: 't3.micro', medium: 't3.small' },
    images: { 'ubuntu-24.04': ami },
    // Small pages, so that listing crosses page boundaries with few instances.
    connection: { region, pageSize: 5 },
  };
}

describe('the provider', () => {
  it('reports itself healthy and offers only what EC2 can do', async () => {
    expect((await p.health()).status).toBe('healthy');
    expect([...p.capabilities]).toEqual(['consoleOutput', 'imageCopy']);
    expect((p as CloudProvider).payloads).toBeUndefined();
  });

  it('lists the catalogue image under its logical name', async () => {
    const images = [];
    for await (const image of p.images.listImages()) images.push(image);
    expect(images).toContainEqual(
      expect.objectContaining({
        id: p.target.images['ubuntu-24.04'],
        name: 'ubuntu-24.04',
        state: 'available',
      }),
    );
  });
});

describe('EC2 instances', () => {
  it('launches once per ClientToken: the same token twice yields one instance', async () => {
    const input = serverInput('token');
    const first = await p.compute.createServer(input);
    const second = await p.compute.createServer(input);
    expect(second.id).toBe(first.id);
    const out = await p.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:hcb:vm', Values: [input.brokerId] }] }),
    );
    expect(out.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);
    await p.compute.deleteServer(first.id);
  });

  it('requires IMDSv2 (HttpTokens=required), as DescribeInstances reports', () => {
    expect(server.MetadataOptions?.HttpTokens).toBe('required');
    expect(server.MetadataOptions?.HttpEndpoint).toBe('enabled');
  });

  it('has an encrypted root volume, as DescribeVolumes reports', async () => {
    const root = server.BlockDeviceMappings?.find((m) => m.DeviceName === server.RootDeviceName);
    expect(root?.Ebs?.VolumeId).toBeTruthy();
    const out = await p.ec2.send(new DescribeVolumesCommand({ VolumeIds: [root!.Ebs!.VolumeId!] }));
    expect(out.Volumes?.[0]?.Encrypted).toBe(true);
    // Exactly one volume: the encrypted mapping replaced the AMI's root instead of adding a second disk.
    expect(server.BlockDeviceMappings).toHaveLength(1);
  });

  it('has no public IP unless the target asks for one', () => {
    expect(server.PublicIpAddress).toBeUndefined();
    expect(server.NetworkInterfaces?.every((ni) => !ni.Association?.PublicIp)).toBe(true);
    expect(server.PrivateIpAddress).toBeTruthy();
  });

  it('carries the broker tags and the caller tags on the instance and its root volume', async () => {
    const tags = Object.fromEntries((server.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      'hcb:vm': `vm-beh-${run}-main`,
      Name: `beh-${run}-main`,
      team: 'cardiology-apps',
    });
    const volumes = await p.ec2.send(
      new DescribeVolumesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [server.InstanceId!] }],
      }),
    );
    const volumeTags = Object.fromEntries((volumes.Volumes?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(volumeTags['hcb:vm']).toBe(`vm-beh-${run}-main`);
  });

  it('pages through more instances than one page holds', async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => p.compute.createServer(serverInput(`page-${i}`))),
    );
    const send = vi.spyOn(p.ec2, 'send');
    const listed = new Set<string>();
    for await (const s of p.compute.listServers()) listed.add(s.id);
    const pagesRead = send.mock.calls.filter(([c]) => c instanceof DescribeInstancesCommand).length;
    send.mockRestore();
    for (const s of created) expect(listed.has(s.id)).toBe(true);
    expect(pagesRead).toBeGreaterThanOrEqual(Math.ceil(31 / 5));
    await Promise.all(created.map((s) => p.compute.deleteServer(s.id)));
  });

  it('deletes an image together with its snapshots', async () => {
    const { imageId } = await p.compute.createServerImage(server.InstanceId!, {
      name: 'beh',
      brokerId: `img-beh-${run}`,
    });
    const again = await p.compute.createServerImage(server.InstanceId!, {
      name: 'beh',
      brokerId: `img-beh-${run}`,
    });
    expect(again.imageId).toBe(imageId);
    const image = (await p.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;
    const snapshots = (image.BlockDeviceMappings ?? [])
      .map((m) => m.Ebs?.SnapshotId)
      .filter(Boolean) as string[];
    expect(snapshots.length).toBeGreaterThan(0);
    await p.images.deleteImage(imageId);
    for (const SnapshotId of snapshots) {
      const gone = await p.ec2
        .send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId] }))
        .catch((e: Error) => e);
      expect((gone as Error).name).toBe('InvalidSnapshot.NotFound');
    }
  });
});

describe('EBS volumes', () => {
  it('creates encrypted volumes and attaches them on a free /dev/sd[f-p] name', async () => {
    const volume = await p.blockStorage.createVolume({
      brokerId: `vol-beh-${run}`,
      name: 'beh',
      sizeGiB: 2,
      tags: {},
      clientToken: `vol-beh-${run}`,
    });
    const described = (await p.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volume.id] }))).Volumes![0]!;
    expect(described.Encrypted).toBe(true);
    expect(described.AvailabilityZone).toBe(server.Placement?.AvailabilityZone);
    await p.blockStorage.attachVolume(volume.id, server.InstanceId!);
    await p.blockStorage.attachVolume(volume.id, server.InstanceId!); // idempotent
    const attached = await waitFor(
      () => p.blockStorage.getVolume(volume.id),
      (v) => v.state === 'inUse',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(attached.attachments).toEqual([{ serverId: server.InstanceId, device: '/dev/sdf' }]);
    const listed = [];
    for await (const v of p.blockStorage.listVolumes()) listed.push(v.id);
    expect(listed).toContain(volume.id);
    await p.blockStorage.detachVolume(volume.id, server.InstanceId!);
    await waitFor(
      () => p.blockStorage.getVolume(volume.id),
      (v) => v.state === 'available',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    await p.blockStorage.deleteVolume(volume.id);
  });
});

describe('security groups', () => {
  it('creates link groups without the default allow-all egress rule', async () => {
    const group = await p.network.ensureSecurityGroup({
      brokerId: `lnk-beh-${run}`,
      name: `hcb-beh-${run}`,
      description: 'behaviour',
    });
    const rules = await p.ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [group.id] }] }),
    );
    expect(rules.SecurityGroupRules ?? []).toHaveLength(0);
    await p.network.deleteSecurityGroup(group.id);
  });
});

describe('S3 buckets', () => {
  const bucket = `hcb-beh-${run}`;

  beforeAll(async () => {
    await p.objectStorage.createBucket({ brokerId: `bkt-beh-${run}`, name: bucket, tags: {} });
  });

  afterAll(async () => {
    await p.objectStorage.deleteBucket(bucket, { force: true });
  });

  it('has default encryption, versioning and a full public access block', async () => {
    const encryption = await p.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe('AES256');
    expect((await p.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    const block = (await p.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))
      .PublicAccessBlockConfiguration;
    expect(block).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(await p.objectStorage.getBucket(bucket)).toMatchObject({
      brokerId: `bkt-beh-${run}`,
      encrypted: true,
      versioning: true,
    });
  });

  it('round-trips real bytes through a presigned PUT and GET, with no checksum baked into the link', async () => {
    const bytes = randomBytes(64 * 1024);
    const put = await p.objectStorage.presign({
      bucket,
      key: 'scans/a b+c.bin',
      method: 'PUT',
      expiresInSeconds: 120,
    });
    expect(put.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
    expect(new URL(put.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect((await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers })).ok).toBe(true);
    const get = await p.objectStorage.presign({
      bucket,
      key: 'scans/a b+c.bin',
      method: 'GET',
      expiresInSeconds: 120,
    });
    expect(new URL(get.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    const downloaded = await fetch(get.url, { headers: get.headers });
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses link lifetimes beyond the bound', async () => {
    const refused = await p.objectStorage
      .presign({ bucket, key: 'k', method: 'GET', expiresInSeconds: 7 * 86_400 })
      .catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('aws.invalidRequest');
  });

  it('force-deletes every version and delete marker, across pages', async () => {
    const name = `hcb-beh-force-${run}`;
    await p.objectStorage.createBucket({ brokerId: `bkt-beh-force-${run}`, name, tags: {} });
    for (let i = 0; i < 3; i++) {
      const put = await p.objectStorage.presign({
        bucket: name,
        key: 'same-key',
        method: 'PUT',
        expiresInSeconds: 60,
      });
      await fetch(put.url, { method: 'PUT', body: `version ${i}` });
    }
    expect(
      (await p.objectStorage.deleteBucket(name, { force: false }).catch((e: { code?: string }) => e))?.code,
    ).toBe('aws.conflict');
    await p.objectStorage.deleteBucket(name, { force: true });
    const gone = await p.objectStorage.getBucket(name).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    expect(gone).toBe('aws.notFound');
  });
});
