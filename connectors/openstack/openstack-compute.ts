import { isBrokerError } from '../../core/errors.ts';
import type {
  CloudServer,
  ComputeService,
  CreateServerInput,
  ServerConsole,
  ServerImageInput,
  ServerMigration,
  ServerState,
} from '../../core/ports/cloud/compute.ts';
import type { Glance } from './glance.ts';
import { BROKER_IMAGE_KEY } from './glance.ts';
import type { CreateServerBody, Nova } from './nova.ts';
import { BROKER_VM_KEY, toCloudServer } from './nova.ts';
import type { NovaActions } from './nova-actions.ts';
import { type NovaMigrations, toServerMigration } from './nova-migrations.ts';
import { openstackError } from './openstack-errors.ts';
import type { OpenStackResolver } from './openstack-resolver.ts';

/** Nova metadata limits (https://docs.openstack.org/api-ref/compute/#create-server): 255 per key and value. */
const META_MAX = 255;
/** Nova takes user_data up to 65535 bytes *after* base64. */
const USER_DATA_MAX = 65_535;
/** Server tags: ≤ 60 characters, no `,` or `/` (https://docs.openstack.org/api-ref/compute/#server-tags-servers-tags). */
const brokerTag = (brokerId: string) => `hcb-vm:${brokerId}`;
const tagSafe = (tag: string) => tag.length <= 60 && !/[,/]/.test(tag);

/** ComputeService on Nova (and Glance for snapshot lookup). */
export class OpenStackCompute implements ComputeService {
  readonly #nova: Nova;
  readonly #actions: NovaActions;
  readonly #glance: Glance;
  readonly #resolve: OpenStackResolver;
  readonly #migrations: NovaMigrations;
  readonly #consoleTtlMs: number;
  readonly #now: () => number;

  constructor(clients: {
    nova: Nova;
    actions: NovaActions;
    glance: Glance;
    resolver: OpenStackResolver;
    migrations: NovaMigrations;
    /** The cloud's `[consoleauth] token_ttl`: Nova's answer does not say when its token expires. */
    consoleLinkTtlSeconds: number;
    now?: () => number;
  }) {
    this.#nova = clients.nova;
    this.#actions = clients.actions;
    this.#glance = clients.glance;
    this.#resolve = clients.resolver;
    this.#migrations = clients.migrations;
    this.#consoleTtlMs = clients.consoleLinkTtlSeconds * 1000;
    this.#now = clients.now ?? Date.now;
  }

  /**
   * One POST, never retried here: after an ambiguous failure the core looks the broker id up before
   * creating again (I4), which finds this server by its tag and metadata.
   */
  async createServer(input: CreateServerInput): Promise<CloudServer> {
    // Validate before any call: a refusal here costs the cloud nothing.
    const metadata = serverMetadata(input);
    const userData = input.userData === undefined ? undefined : encodeUserData(input.userData);
    const [flavorRef, imageRef, networkId] = await Promise.all([
      this.#resolve.flavorId(input.size),
      this.#resolve.imageId(input.image),
      this.#resolve.networkId(),
      this.#resolve.warm(),
    ]);
    const body: CreateServerBody = {
      name: input.name,
      flavorRef,
      imageRef,
      // Tenant networks when the VM names them, else the target's default network.
      networks: input.networkIds?.length
        ? input.networkIds.map((uuid) => ({ uuid }))
        : networkId
          ? [{ uuid: networkId }]
          : 'auto',
      metadata,
    };
    if (tagSafe(brokerTag(input.brokerId))) body.tags = [brokerTag(input.brokerId)];
    if (userData !== undefined) body.user_data = userData;
    if (input.securityGroupIds?.length)
      body.security_groups = input.securityGroupIds.map((name) => ({ name }));
    const { id } = await this.#nova.createServer(body);
    return {
      id,
      brokerId: input.brokerId,
      name: input.name,
      state: 'building',
      rawState: 'BUILD/scheduling',
      sizeRef: this.#resolve.sizeRef(input.size),
      addresses: [],
    };
  }

  /**
   * Nova cannot filter by metadata, so the broker id also rides in a server tag (`?tags=` filters
   * server-side from 2.26); the metadata is still checked. Ids too long for a tag fall back to a scan.
   */
  async findServerByBrokerId(brokerId: string): Promise<CloudServer | undefined> {
    const tag = brokerTag(brokerId);
    const filters = tagSafe(tag) ? { tags: tag } : {};
    for await (const server of this.#nova.listServers(filters)) {
      if (server.metadata?.[BROKER_VM_KEY] !== brokerId) continue;
      const view = await this.#viewLoaded(server);
      if (view.state !== 'deleted') return view;
    }
    return undefined;
  }

  async getServer(serverId: string): Promise<CloudServer> {
    return this.#viewLoaded(await this.#nova.getServer(serverId));
  }

  /** All of the project's servers; with `changesSince`, Nova also returns deleted ones (state `deleted`). */
  async *listServers(filter: { changesSince?: string } = {}): AsyncIterable<CloudServer> {
    const filters = filter.changesSince ? { 'changes-since': filter.changesSince } : {};
    for await (const server of this.#nova.listServers(filters)) yield await this.#viewLoaded(server);
  }

  async deleteServer(serverId: string): Promise<void> {
    await this.#nova.deleteServer(serverId);
  }

  startServer = (id: string) => this.#idempotent(id, 'active', () => this.#actions.start(id));
  stopServer = (id: string) => this.#idempotent(id, 'stopped', () => this.#actions.stop(id));
  pauseServer = (id: string) => this.#idempotent(id, 'paused', () => this.#actions.pause(id));
  unpauseServer = (id: string) => this.#idempotent(id, 'active', () => this.#actions.unpause(id));

  async rebootServer(serverId: string, mode: 'soft' | 'hard'): Promise<void> {
    await this.#actions.reboot(serverId, mode === 'hard' ? 'HARD' : 'SOFT');
  }

  async resizeServer(serverId: string, size: string): Promise<void> {
    const flavorId = await this.#resolve.flavorId(size);
    try {
      await this.#actions.resize(serverId, flavorId);
    } catch (error) {
      // A repeated resize finds the server already resizing or waiting for confirmation to this size.
      if (!isBrokerError(error, 'conflict') && !isBrokerError(error, 'invalidRequest')) throw error;
      const server = await this.getServer(serverId);
      const wanted = this.#resolve.sizeRef(size);
      if (!(server.state === 'resizing' || (server.state === 'verifyResize' && server.sizeRef === wanted)))
        throw error;
    }
  }

  async confirmResize(serverId: string): Promise<void> {
    try {
      await this.#actions.confirmResize(serverId);
    } catch (error) {
      if (!isBrokerError(error, 'conflict') && !isBrokerError(error, 'invalidRequest')) throw error;
      if ((await this.getServer(serverId)).state !== 'active') throw error;
    }
  }

  /**
   * Looks for an image already carrying this broker id first (Nova copies the createImage metadata into
   * the image's properties), so a retried snapshot does not make a second image.
   */
  async createServerImage(serverId: string, input: ServerImageInput): Promise<{ imageId: string }> {
    for await (const image of this.#glance.listImages({ [BROKER_IMAGE_KEY]: input.brokerId })) {
      if (image[BROKER_IMAGE_KEY] === input.brokerId && image.status !== 'deleted')
        return { imageId: image.id };
    }
    return this.#actions.createImage(serverId, input.name, { [BROKER_IMAGE_KEY]: input.brokerId });
  }

  /**
   * noVNC URL with Nova's one-time token (consumed by nova-novncproxy on connect, expiring after
   * `[consoleauth] token_ttl`); where the cloud offers no graphical console, the console log instead.
   */
  async getConsole(serverId: string): Promise<ServerConsole> {
    try {
      const issuedAt = this.#now();
      const c = await this.#actions.remoteConsole(serverId, { protocol: 'vnc', type: 'novnc' });
      const expiresAt = new Date(issuedAt + this.#consoleTtlMs).toISOString();
      return { kind: 'url', protocol: c.protocol, type: c.type, url: c.url, expiresAt };
    } catch (error) {
      if (!isBrokerError(error, 'unsupported') && !isBrokerError(error, 'invalidRequest')) throw error;
      return { kind: 'output', type: 'console-output', output: await this.#actions.consoleOutput(serverId) };
    }
  }

  async liveMigrate(serverId: string, host?: string): Promise<void> {
    await this.#actions.liveMigrate(serverId, host);
  }

  /** Every migration of the server, newest first; a running live migration with its memory copied so far. */
  async listMigrations(serverId: string): Promise<ServerMigration[]> {
    const all = [];
    for await (const m of this.#migrations.listForServer(serverId)) all.push(m);
    const live = all.some((m) => m.migration_type === 'live-migration' && m.status === 'running')
      ? await this.#migrations.inProgress(serverId)
      : [];
    return all
      .map((m) =>
        toServerMigration(
          m,
          live.find((r) => r.id === m.id),
        ),
      )
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  /** Runs an action; a 409 because the server is already where the action leads counts as done. */
  async #idempotent(serverId: string, goal: ServerState, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!isBrokerError(error, 'conflict')) throw error;
      if ((await this.getServer(serverId)).state !== goal) throw error;
    }
  }

  /**
   * The view, loading the flavor list first only when it is needed: a flavor the catalogue names by
   * its name maps without it, so listing a target whose servers all run catalogue flavors costs no
   * flavor call (10,000 servers: the token and 10 pages).
   */
  async #viewLoaded(server: Parameters<typeof toCloudServer>[0]): Promise<CloudServer> {
    const flavorName = server.flavor?.original_name ?? server.flavor?.id;
    if (flavorName !== undefined && !this.#resolve.namesFlavor(flavorName)) await this.#resolve.warm();
    return this.#view(server);
  }

  #view(server: Parameters<typeof toCloudServer>[0]): CloudServer {
    return toCloudServer(server, (name) => this.#resolve.sizeRefOf(name));
  }
}

/** The server's metadata: the caller's tags plus the broker id, within Nova's limits. */
export function serverMetadata(input: Pick<CreateServerInput, 'brokerId' | 'tags'>): Record<string, string> {
  const metadata: Record<string, string> = { ...input.tags, [BROKER_VM_KEY]: input.brokerId };
  for (const [key, value] of Object.entries(metadata)) {
    // Name the limit, never the key or value (tags may carry anything a client sent).
    if (key.length === 0 || key.length > META_MAX || value.length > META_MAX)
      throw openstackError(
        'invalidRequest',
        `server metadata keys and values must be 1–${META_MAX} characters`,
      );
  }
  return metadata;
}

/** Nova wants user data base64-encoded (https://docs.openstack.org/api-ref/compute/#create-server). */
export function encodeUserData(userData: string): string {
  const encoded = Buffer.from(userData, 'utf8').toString('base64');
  if (encoded.length > USER_DATA_MAX)
    throw openstackError('invalidRequest', `user data exceeds ${USER_DATA_MAX} bytes once base64-encoded`);
  return encoded;
}
