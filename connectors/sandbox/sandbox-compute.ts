import { randomUUID } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type { LogicalSize, Target } from '../../core/model/target.ts';
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
import { addressFor } from './sandbox-addresses.ts';
import { type ConsoleRedemption, SandboxConsoleTokens } from './sandbox-console.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import { hostNow, sandboxHosts, toServerMigration } from './sandbox-migrations.ts';
import { sandboxSettingsOf } from './sandbox-settings.ts';
import { advance, type SandboxData, type SandboxServer, type SandboxState } from './sandbox-state.ts';

const KNOWN_STATES = new Set<string>([
  'building',
  'active',
  'stopped',
  'paused',
  'verifyResize',
  'rebooting',
  'migrating',
  'error',
  'deleting',
  'deleted',
]);

/** Maps simulated states onto the broker's; anything unexpected is `unknown` (never a guess). */
export function toServerState(state: string): ServerState {
  return KNOWN_STATES.has(state) ? (state as ServerState) : 'unknown';
}

export interface SandboxComputeOptions {
  target: Target;
  sizes: Record<string, LogicalSize>;
  state: SandboxState;
  faults: SandboxFaults;
  now: () => number;
  /** Where the simulated console page is served (the embedded broker's base URL). */
  consoleBaseUrl: string;
}

/** Simulated compute: servers build, stop, resize… asynchronously, on the target's own timings. */
export class SandboxCompute implements ComputeService {
  readonly #o: SandboxComputeOptions;
  readonly #consoleTokens: SandboxConsoleTokens;

  constructor(options: SandboxComputeOptions) {
    this.#o = options;
    this.#consoleTokens = new SandboxConsoleTokens(
      options.now,
      () => sandboxSettingsOf(options.target).console.tokenTtlSeconds * 1000,
    );
  }

  async createServer(input: CreateServerInput): Promise<CloudServer> {
    const { faults, state, target, now } = this.#o;
    await faults.before('createServer');
    const sizeRef = target.sizes[input.size];
    const size = this.#o.sizes[input.size];
    if (!sizeRef || !size)
      throw new BrokerError('sandbox.invalidRequest', `size ${input.size} is not offered here`);
    const imageRef = target.images[input.image] ?? (state.data.images[input.image] ? input.image : undefined);
    if (!imageRef)
      throw new BrokerError('sandbox.invalidRequest', `image ${input.image} is not offered here`);
    const fails = faults.takeBuildFailure();
    const server = state.mutate((data) => {
      this.#checkCapacity(data, size);
      const at = now();
      const created: SandboxServer = {
        id: randomUUID(),
        brokerId: input.brokerId,
        name: input.name,
        sizeRef,
        imageRef,
        vcpus: size.vcpus,
        ramMiB: size.ramMiB,
        addresses: [addressFor(data, target.id, input.networkIds?.[0])],
        tags: input.tags,
        securityGroups: input.securityGroupIds ?? [],
        ...(input.networkIds?.length ? { networks: [...input.networkIds] } : {}),
        host: sandboxHosts(target.id)[0],
        createdAt: new Date(at).toISOString(),
        state: 'building',
        pending: { to: fails ? 'error' : 'active', at: at + sandboxSettingsOf(target).timings.buildMs },
        ...(fails ? { fault: 'simulated build failure' } : {}),
      };
      data.servers[created.id] = created;
      return created;
    });
    faults.after('createServer');
    return this.#view(server);
  }

  async findServerByBrokerId(brokerId: string): Promise<CloudServer | undefined> {
    await this.#o.faults.before('findServerByBrokerId');
    const found = Object.values(this.#o.state.data.servers).find(
      (s) => s.brokerId === brokerId && this.#live(s),
    );
    return found && this.#view(found);
  }

  async getServer(serverId: string): Promise<CloudServer> {
    await this.#o.faults.before('getServer');
    return this.#view(this.#server(serverId));
  }

  async *listServers(filter: { changesSince?: string } = {}): AsyncIterable<CloudServer> {
    await this.#o.faults.before('listServers');
    for (const server of Object.values(this.#o.state.data.servers)) {
      if (!this.#live(server)) continue;
      if (filter.changesSince && server.createdAt < filter.changesSince) continue;
      yield this.#view(server);
    }
  }

  async deleteServer(serverId: string): Promise<void> {
    await this.#o.faults.before('deleteServer');
    const server = this.#o.state.data.servers[serverId];
    if (!server || !this.#live(server)) return;
    // Asking again while it is deleting changes nothing (as in Nova and EC2): the delete keeps its end time.
    if (server.state !== 'deleting')
      this.#transition(
        server.id,
        ['building', 'active', 'stopped', 'paused', 'verifyResize', 'error', 'rebooting'],
        'deleting',
        'deleted',
        this.#timings().deleteMs,
      );
    this.#o.faults.after('deleteServer');
  }

  async startServer(serverId: string): Promise<void> {
    await this.#act('startServer', serverId, ['stopped'], 'stopped', 'active');
  }

  async stopServer(serverId: string): Promise<void> {
    await this.#act('stopServer', serverId, ['active'], 'active', 'stopped');
  }

  async rebootServer(serverId: string): Promise<void> {
    await this.#act('rebootServer', serverId, ['active'], 'rebooting', 'active');
  }

  async pauseServer(serverId: string): Promise<void> {
    await this.#act('pauseServer', serverId, ['active'], 'active', 'paused');
  }

  async unpauseServer(serverId: string): Promise<void> {
    await this.#act('unpauseServer', serverId, ['paused'], 'paused', 'active');
  }

  async resizeServer(serverId: string, size: string): Promise<void> {
    const { target, faults } = this.#o;
    await faults.before('resizeServer');
    const sizeRef = target.sizes[size];
    const logical = this.#o.sizes[size];
    if (!sizeRef || !logical)
      throw new BrokerError('sandbox.invalidRequest', `size ${size} is not offered here`);
    this.#transition(
      serverId,
      ['active', 'stopped'],
      'resizing',
      'verifyResize',
      this.#timings().actionMs,
      (s) => {
        s.previousSizeRef = s.sizeRef;
        s.sizeRef = sizeRef;
        s.vcpus = logical.vcpus;
        s.ramMiB = logical.ramMiB;
      },
    );
  }

  async confirmResize(serverId: string): Promise<void> {
    await this.#act(
      'confirmResize',
      serverId,
      ['verifyResize'],
      'active',
      'active',
      (s) => delete s.previousSizeRef,
    );
  }

  async createServerImage(serverId: string, input: ServerImageInput): Promise<{ imageId: string }> {
    const { faults, state, now } = this.#o;
    await faults.before('createServerImage');
    const server = this.#server(serverId);
    const existing = Object.values(state.data.images).find((i) => i.brokerId === input.brokerId);
    if (existing) return { imageId: existing.id };
    const id = randomUUID();
    state.mutate((data) => {
      data.images[id] = {
        id,
        brokerId: input.brokerId,
        name: input.name,
        sizeBytes: server.ramMiB * 1024,
        state: 'pending',
        pending: { to: 'available', at: now() + this.#timings().actionMs },
      };
    });
    faults.after('createServerImage');
    return { imageId: id };
  }

  /** A link to the broker's simulated console page with a one-time token (sandbox-endpoints.ts serves it). */
  async getConsole(serverId: string): Promise<ServerConsole> {
    await this.#o.faults.before('getConsole');
    const server = this.#server(serverId);
    const { token, expiresAt } = this.#consoleTokens.issue(server.id);
    const url = `${this.#o.consoleBaseUrl}/sandbox/console/${token}`;
    return {
      kind: 'url',
      protocol: 'simulated-vnc',
      type: 'simulated-novnc',
      url,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** Spends a console token; on success, the server it opens (still existing). */
  redeemConsole(token: string): ConsoleRedemption & { server?: CloudServer } {
    const redeemed = this.#consoleTokens.redeem(token);
    if (!redeemed.ok) return redeemed;
    const server = this.#o.state.data.servers[redeemed.serverId];
    return server && this.#live(server) ? { ...redeemed, server: this.#view(server) } : redeemed;
  }

  /** Each target has two simulated hosts; without a named one the server moves to the other. */
  async liveMigrate(serverId: string, host?: string): Promise<void> {
    const hosts = sandboxHosts(this.#o.target.id);
    if (host !== undefined && !hosts.includes(host))
      throw new BrokerError('sandbox.invalidRequest', `host ${host} is not a host of ${this.#o.target.id}`);
    await this.#act('liveMigrate', serverId, ['active'], 'migrating', 'active', (s) => {
      const at = this.#o.now();
      const to = host ?? hosts.find((h) => h !== s.host) ?? hosts[0];
      s.migrations = [
        ...(s.migrations ?? []),
        { id: randomUUID(), from: s.host, to, startedAt: at, endsAt: at + this.#timings().actionMs },
      ];
      s.host = to;
    });
  }

  async listMigrations(serverId: string): Promise<ServerMigration[]> {
    await this.#o.faults.before('listMigrations');
    const server = this.#server(serverId);
    const now = this.#o.now();
    return (server.migrations ?? []).map((m) => toServerMigration(m, now)).reverse();
  }

  async #act(
    method: string,
    serverId: string,
    from: string[],
    during: string,
    to: string,
    apply?: (s: SandboxServer) => void,
  ): Promise<void> {
    await this.#o.faults.before(method);
    this.#transition(serverId, from, during, to, this.#timings().actionMs, apply);
    this.#o.faults.after(method);
  }

  #transition(
    serverId: string,
    from: string[],
    during: string,
    to: string,
    ms: number,
    apply?: (s: SandboxServer) => void,
  ): void {
    const server = this.#server(serverId);
    if (!from.includes(server.state))
      throw new BrokerError(
        'sandbox.conflict',
        `server is ${server.state}; ${to} needs one of ${from.join(', ')}`,
      );
    this.#o.state.mutate(() => {
      apply?.(server);
      server.state = during;
      server.pending = { to, at: this.#o.now() + ms };
    });
  }

  #server(serverId: string): SandboxServer {
    const server = this.#o.state.data.servers[serverId];
    if (!server) throw new BrokerError('sandbox.notFound', `no server ${serverId}`);
    if (advance(server, this.#o.now())) this.#o.state.mutate(() => undefined);
    if (server.state === 'deleted')
      throw new BrokerError('sandbox.notFound', `server ${serverId} is deleted`);
    return server;
  }

  #live(server: SandboxServer): boolean {
    advance(server, this.#o.now());
    return server.state !== 'deleted';
  }

  #checkCapacity(data: SandboxData, size: LogicalSize): void {
    const capacity = sandboxSettingsOf(this.#o.target).capacity;
    let vcpus = size.vcpus;
    let ram = size.ramMiB;
    for (const s of Object.values(data.servers)) {
      if (!this.#live(s)) continue;
      vcpus += s.vcpus;
      ram += s.ramMiB;
    }
    if (vcpus > capacity.vcpus || ram > capacity.ramMiB)
      throw new BrokerError('sandbox.capacity', `target ${this.#o.target.id} has no room for another server`);
  }

  #timings() {
    return sandboxSettingsOf(this.#o.target).timings;
  }

  #view(server: SandboxServer): CloudServer {
    advance(server, this.#o.now());
    const view: CloudServer = {
      id: server.id,
      name: server.name,
      state: toServerState(server.state),
      rawState: server.state,
      sizeRef: server.sizeRef,
      addresses: server.state === 'building' ? [] : server.addresses,
      createdAt: server.createdAt,
    };
    if (server.brokerId !== undefined) view.brokerId = server.brokerId;
    const deployment = server.tags[DEPLOYMENT_TAG];
    if (deployment !== undefined) view.deployment = deployment;
    if (server.state === 'error' && server.fault) view.fault = server.fault;
    view.host = hostNow(server, this.#o.now());
    return view;
  }
}
