import {
  CreateImageCommand,
  DescribeInstancesCommand,
  type EC2Client,
  GetConsoleOutputCommand,
  type Instance,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { BrokerError, isBrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import {
  type CloudServer,
  type ComputeService,
  type CreateServerInput,
  DEPLOYMENT_TAG,
  type ServerConsole,
  type ServerImageInput,
  type ServerMigration,
  type ServerState,
} from '../../core/ports/cloud/compute.ts';
import { awsCall, hasAwsCode, unsupported } from './aws-errors.ts';
import { type AwsSettings, pages, TAG, tagValue, toTags } from './aws-settings.ts';
import { FreshIds } from './ec2-fresh-ids.ts';
import { amiName, findImageByTag } from './ec2-images.ts';
import { LaunchImages, runInstancesInput } from './ec2-launch.ts';
import type { Ec2Location } from './ec2-location.ts';
import { resizeInstance } from './ec2-resize.ts';

export interface Ec2ComputeOptions {
  ec2: EC2Client;
  target: Target;
  settings: AwsSettings;
  location: Ec2Location;
  /** Polling of the connector's own waits (resize). */
  pollMs: number;
  waitTimeoutMs: number;
  fresh?: FreshIds<CloudServer>;
}

/** AWS says the instance itself does not exist (not some other resource named in the error). */
export function instanceAbsent(error: unknown): boolean {
  if (!isBrokerError(error, 'notFound')) return false;
  return (
    error.cause === undefined ||
    hasAwsCode(error, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')
  );
}

/** Every state but `terminated`: what lookups and listings consider to exist. */
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/** EC2 instances (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Operations.html). */
export class Ec2Compute implements ComputeService {
  readonly #o: Ec2ComputeOptions;
  readonly #fresh: FreshIds<CloudServer>;
  readonly #images: LaunchImages;

  constructor(options: Ec2ComputeOptions) {
    this.#o = options;
    this.#fresh = options.fresh ?? new FreshIds({ absent: instanceAbsent });
    this.#images = new LaunchImages(options.ec2);
  }

  async createServer(input: CreateServerInput): Promise<CloudServer> {
    const { target, settings, location, ec2 } = this.#o;
    const instanceType = target.sizes[input.size];
    if (!instanceType)
      throw new BrokerError('aws.invalidRequest', `size ${input.size} is not offered on ${target.id}`);
    const imageId =
      target.images[input.image] ?? (/^ami-[0-9a-f]{8,17}$/.test(input.image) ? input.image : undefined);
    if (!imageId)
      throw new BrokerError('aws.invalidRequest', `image ${input.image} is not offered on ${target.id}`);
    // The ClientToken makes AWS itself idempotent; this lookup does the same where an emulator ignores
    // the token (moto does), at the price of one DescribeInstances.
    const earlier = await this.#first([{ Name: `tag:${TAG.clientToken}`, Values: [input.clientToken] }]);
    if (earlier) return earlier;
    const root = await this.#images.rootDevice(imageId);
    const zone = settings.subnetId ? undefined : await location.zone();
    const request = runInstancesInput(input, {
      instanceType,
      imageId,
      root,
      settings,
      ...(zone ? { zone } : {}),
    });
    const out = await awsCall('RunInstances', () => ec2.send(new RunInstancesCommand(request)));
    const instance = out.Instances?.[0];
    if (!instance?.InstanceId)
      throw new BrokerError('aws.lostResponse', 'AWS RunInstances answered without an instance');
    const server = toCloudServer(instance);
    this.#fresh.remember(server.id, server);
    return server;
  }

  findServerByBrokerId(brokerId: string): Promise<CloudServer | undefined> {
    return this.#first([
      { Name: `tag:${TAG.vm}`, Values: [brokerId] },
      { Name: 'instance-state-name', Values: LIVE_STATES },
    ]);
  }

  async getServer(serverId: string): Promise<CloudServer> {
    try {
      return toCloudServer(await this.#fresh.retry(serverId, () => this.#describe(serverId)));
    } catch (error) {
      const remembered = this.#fresh.recent(serverId);
      if (!remembered || !instanceAbsent(error)) throw error;
      return { ...remembered, state: 'building', rawState: 'pending (not yet visible)' };
    }
  }

  /** Broker-managed instances (tag `hcb:vm`), all pages. EC2 cannot filter by change time: all are listed. */
  async *listServers(): AsyncIterable<CloudServer> {
    const filters = [
      { Name: 'tag-key', Values: [TAG.vm] },
      { Name: 'instance-state-name', Values: LIVE_STATES },
    ];
    for await (const page of pages((NextToken) =>
      awsCall('DescribeInstances', () =>
        this.#o.ec2.send(
          new DescribeInstancesCommand({
            Filters: filters,
            MaxResults: this.#o.settings.pageSize,
            NextToken,
          }),
        ),
      ),
    ))
      for (const reservation of page.Reservations ?? [])
        for (const instance of reservation.Instances ?? []) yield toCloudServer(instance);
  }

  /** Idempotent. A terminated instance is not terminated again (moto then fails on its deleted ENI). */
  async deleteServer(serverId: string): Promise<void> {
    try {
      const instance = await this.#fresh.retry(serverId, () => this.#describe(serverId));
      if (instance.State?.Name === 'terminated') return;
      await this.#act('TerminateInstances', serverId, (ec2) =>
        ec2.send(new TerminateInstancesCommand({ InstanceIds: [serverId] })),
      );
    } catch (error) {
      if (!instanceAbsent(error)) throw error;
      // Still invisible although we launched it moments ago: not "already gone" — the caller retries.
      if (this.#fresh.recent(serverId))
        throw new BrokerError('aws.timeout', 'the new instance is not visible yet; retry the deletion', {
          cause: error,
        });
    }
  }

  startServer(serverId: string): Promise<void> {
    return this.#act('StartInstances', serverId, (ec2) =>
      ec2.send(new StartInstancesCommand({ InstanceIds: [serverId] })),
    );
  }

  stopServer(serverId: string): Promise<void> {
    return this.#act('StopInstances', serverId, (ec2) =>
      ec2.send(new StopInstancesCommand({ InstanceIds: [serverId] })),
    );
  }

  /** EC2 has one reboot: a clean one that turns hard by itself after four minutes; `mode` changes nothing. */
  rebootServer(serverId: string): Promise<void> {
    return this.#act('RebootInstances', serverId, (ec2) =>
      ec2.send(new RebootInstancesCommand({ InstanceIds: [serverId] })),
    );
  }

  async pauseServer(): Promise<void> {
    throw unsupported('pause (stop or hibernate instead)');
  }

  async unpauseServer(): Promise<void> {
    throw unsupported('unpause');
  }

  /** Stop, modify, start: see ec2-resize.ts. */
  async resizeServer(serverId: string, size: string): Promise<void> {
    const instanceType = this.#o.target.sizes[size];
    if (!instanceType)
      throw new BrokerError('aws.invalidRequest', `size ${size} is not offered on ${this.#o.target.id}`);
    await resizeInstance(
      { ...this.#o, describe: (id) => this.#fresh.retry(id, () => this.#describe(id)) },
      serverId,
      instanceType,
    );
  }

  /** Nothing to confirm on EC2 (no `resizeConfirm` capability). */
  async confirmResize(): Promise<void> {}

  /** An AMI of the instance, found again by its broker id before another is made. */
  async createServerImage(serverId: string, input: ServerImageInput): Promise<{ imageId: string }> {
    const { ec2 } = this.#o;
    const existing = await findImageByTag(ec2, input.brokerId);
    if (existing?.ImageId) return { imageId: existing.ImageId };
    // Snapshot tags are not requested here: moto rejects a `snapshot` TagSpecification on CreateImage;
    // deleteImage finds the snapshots through the image's block device mappings instead.
    const out = await this.#fresh.retry(serverId, () =>
      awsCall('CreateImage', () =>
        ec2.send(
          new CreateImageCommand({
            InstanceId: serverId,
            Name: amiName(input.brokerId),
            TagSpecifications: [
              {
                ResourceType: 'image',
                Tags: toTags({ [TAG.image]: input.brokerId, [TAG.name]: input.name }),
              },
            ],
          }),
        ),
      ),
    );
    if (!out.ImageId)
      throw new BrokerError('aws.lostResponse', 'AWS CreateImage answered without an image id');
    return { imageId: out.ImageId };
  }

  /**
   * The instance's console output (GetConsoleOutput). EC2 offers no console URL through its API: its
   * interactive serial console is an SSH session opened with a key pushed through EC2 Instance Connect
   * (SendSerialConsoleSSHPublicKey), which the broker does not broker and the emulator does not offer.
   */
  async getConsole(serverId: string): Promise<ServerConsole> {
    const out = await this.#fresh.retry(serverId, () =>
      awsCall('GetConsoleOutput', () =>
        this.#o.ec2.send(new GetConsoleOutputCommand({ InstanceId: serverId })),
      ),
    );
    return {
      kind: 'output',
      type: 'console-output',
      output: out.Output ? Buffer.from(out.Output, 'base64').toString('utf8') : '',
    };
  }

  async liveMigrate(): Promise<void> {
    throw unsupported('live migration (AWS moves instances itself)');
  }

  /** EC2 shows no host and offers no migration: the list is always empty. */
  async listMigrations(): Promise<ServerMigration[]> {
    return [];
  }

  async #act(operation: string, serverId: string, call: (ec2: EC2Client) => Promise<unknown>): Promise<void> {
    await this.#fresh.retry(serverId, () => awsCall(operation, () => call(this.#o.ec2)));
  }

  async #describe(serverId: string): Promise<Instance> {
    const out = await awsCall('DescribeInstances', () =>
      this.#o.ec2.send(new DescribeInstancesCommand({ InstanceIds: [serverId] })),
    );
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance) throw new BrokerError('aws.notFound', `no instance ${serverId}`);
    return instance;
  }

  async #first(filters: { Name: string; Values: string[] }[]): Promise<CloudServer | undefined> {
    const out = await awsCall('DescribeInstances', () =>
      this.#o.ec2.send(new DescribeInstancesCommand({ Filters: filters })),
    );
    const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    // Should there ever be more than one, prefer one that is not on its way out.
    found.sort(
      (a, b) => Number(a.State?.Name === 'shutting-down') - Number(b.State?.Name === 'shutting-down'),
    );
    return found[0] && toCloudServer(found[0]);
  }
}

const STATES: Record<string, ServerState> = {
  pending: 'building',
  running: 'active',
  // The transition is shown as the state it leaves, as the sandbox does: a stopping server is not yet stopped.
  stopping: 'active',
  stopped: 'stopped',
  'shutting-down': 'deleting',
  terminated: 'deleted',
};

/** While the connector's resize is under way (tagged), these are its steps, not the server's own state. */
const RESIZE_STATES = new Set(['stopping', 'stopped', 'pending']);

/** Reasons for which an instance ends terminated without anyone asking: a failed launch, i.e. `error`. */
const LAUNCH_FAILURES = new Set([
  'Server.InsufficientInstanceCapacity',
  'Server.InternalError',
  'Client.InternalError',
  'Client.InvalidSnapshot.NotFound',
  'Client.VolumeLimitExceeded',
]);

export function toServerState(instance: Pick<Instance, 'State' | 'StateReason' | 'Tags'>): ServerState {
  const name = instance.State?.Name ?? '';
  if (RESIZE_STATES.has(name) && tagValue(instance.Tags, TAG.resizing) !== undefined) return 'resizing';
  if (name === 'terminated' && LAUNCH_FAILURES.has(instance.StateReason?.Code ?? '')) return 'error';
  return STATES[name] ?? 'unknown';
}

export function toCloudServer(instance: Instance): CloudServer {
  const state = toServerState(instance);
  const addresses = new Set<string>();
  if (instance.PrivateIpAddress) addresses.add(instance.PrivateIpAddress);
  for (const ni of instance.NetworkInterfaces ?? [])
    for (const ip of ni.PrivateIpAddresses ?? []) if (ip.PrivateIpAddress) addresses.add(ip.PrivateIpAddress);
  const server: CloudServer = {
    id: instance.InstanceId ?? '',
    name: tagValue(instance.Tags, TAG.name) ?? instance.InstanceId ?? '',
    state,
    rawState: instance.State?.Name ?? 'unknown',
    addresses: [...addresses],
  };
  const brokerId = tagValue(instance.Tags, TAG.vm);
  if (brokerId !== undefined) server.brokerId = brokerId;
  const deployment = tagValue(instance.Tags, DEPLOYMENT_TAG);
  if (deployment !== undefined) server.deployment = deployment;
  if (instance.InstanceType) server.sizeRef = instance.InstanceType;
  if (instance.LaunchTime) server.createdAt = new Date(instance.LaunchTime).toISOString();
  if (state === 'error') server.fault = instance.StateReason?.Code ?? 'launch failed';
  return server;
}
