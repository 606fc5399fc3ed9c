import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One simulated thing with a state that changes by itself at a known time (build done, stop done, …). */
export interface Transitioning<S extends string> {
  state: S;
  /** When set, `state` becomes `to` at `at` (epoch ms). */
  pending?: { to: S; at: number; then?: { to: S; at: number } };
}

export interface SandboxServer extends Transitioning<string> {
  id: string;
  brokerId?: string;
  name: string;
  sizeRef: string;
  previousSizeRef?: string;
  imageRef: string;
  vcpus: number;
  ramMiB: number;
  addresses: string[];
  tags: Record<string, string>;
  securityGroups: string[];
  /** Tenant networks it joined (SandboxTenantNetwork ids); absent: the target's default. */
  networks?: string[];
  host: string;
  /** Live migrations between the target's two simulated hosts, oldest first. */
  migrations?: SandboxMigration[];
  createdAt: string;
  /** Set when the simulation was told to fail this build. */
  fault?: string;
}

/** One simulated live migration: the server runs on `from` until `endsAt`, then on `to`. */
export interface SandboxMigration {
  id: string;
  from: string;
  to: string;
  startedAt: number;
  endsAt: number;
}

export interface SandboxVolume extends Transitioning<string> {
  id: string;
  brokerId?: string;
  /** The deployment tag it was created with (`DEPLOYMENT_TAG`); the sandbox keeps no other volume tag. */
  deployment?: string;
  name: string;
  sizeGiB: number;
  /** The simulated cloud's volume type; absent on volumes made before types: the default. */
  volumeType?: string;
  attachedTo?: string;
  device?: string;
}

export interface SandboxSnapshot extends Transitioning<string> {
  id: string;
  brokerId?: string;
  volumeId: string;
  name: string;
  sizeGiB: number;
}

export interface SandboxImage extends Transitioning<string> {
  id: string;
  brokerId?: string;
  name: string;
  sizeBytes: number;
}

export interface SandboxBucket {
  name: string;
  brokerId?: string;
  objects: Record<string, { size: number; etag: string }>;
}

export interface SandboxSecurityGroup {
  id: string;
  brokerId?: string;
  name: string;
  description: string;
  rules: {
    id: string;
    direction: 'ingress' | 'egress';
    protocol: string;
    port?: number;
    portTo?: number;
    remoteCidr?: string;
    remoteGroupId?: string;
  }[];
}

/** A simulated tenant network: one subnet, and (on an on-prem target) a router to the provider network. */
export interface SandboxTenantNetwork {
  id: string;
  brokerId: string;
  name: string;
  cidr: string;
  subnetId: string;
  routerId?: string;
}

/** A simulated public address (documentation range 198.51.100.0/24, RFC 5737). */
export interface SandboxPublicAddress {
  id: string;
  ip: string;
  brokerId: string;
  serverId?: string;
}

export interface SandboxData {
  servers: Record<string, SandboxServer>;
  volumes: Record<string, SandboxVolume>;
  snapshots: Record<string, SandboxSnapshot>;
  images: Record<string, SandboxImage>;
  buckets: Record<string, SandboxBucket>;
  securityGroups: Record<string, SandboxSecurityGroup>;
  publicAddresses: Record<string, SandboxPublicAddress>;
  tenantNetworks: Record<string, SandboxTenantNetwork>;
  nextPublicAddress: number;
  /** Payloads the control plane must not keep (I2), base64. */
  payloads: Record<string, string>;
  /** Object bytes, base64, by `bucket/key`. */
  objectData: Record<string, string>;
  nextAddress: number;
  /** Secret for the simulated TempURL signatures (base64url), made on first use. */
  signingKey?: string;
}

const empty = (): SandboxData => ({
  servers: {},
  volumes: {},
  snapshots: {},
  images: {},
  buckets: {},
  securityGroups: {},
  publicAddresses: {},
  tenantNetworks: {},
  nextPublicAddress: 10,
  payloads: {},
  objectData: {},
  nextAddress: 10,
});

/**
 * The simulated cloud's storage: in memory, and written to a JSON file (when a path is given) before any
 * mutating call returns — like a real cloud, what it acknowledged survives the broker's crash, which is
 * what the kill-and-resume test relies on.
 *
 * What has finished deleting is dropped at the next write, as Nova, Cinder, Glance and EC2 stop showing it:
 * asking for it answers "not found" either way, and keeping it would grow memory, the file and the cost of
 * every write (each rewrites the whole file) with every server ever deleted.
 */
export class SandboxState {
  readonly data: SandboxData;
  readonly #file: string | undefined;
  readonly #now: () => number;

  constructor(file: string | undefined, now: () => number = Date.now) {
    this.#file = file;
    this.#now = now;
    this.data = file ? load(file) : empty();
    dropDeleted(this.data, now());
  }

  /** Applies `change`, drops what has finished deleting, and persists it atomically. */
  mutate<T>(change: (data: SandboxData) => T): T {
    const result = change(this.data);
    dropDeleted(this.data, this.#now());
    if (this.#file) {
      mkdirSync(dirname(this.#file), { recursive: true });
      const temp = `${this.#file}.tmp`;
      writeFileSync(temp, JSON.stringify(this.data));
      renameSync(temp, this.#file);
    }
    return result;
  }
}

/** The records with a lifecycle: they end in `deleted`. */
const DELETABLE = ['servers', 'volumes', 'snapshots', 'images'] as const;

function dropDeleted(data: SandboxData, now: number): void {
  for (const kind of DELETABLE) {
    const records: Record<string, Transitioning<string>> = data[kind];
    for (const [id, record] of Object.entries(records)) {
      advance(record, now);
      if (record.state === 'deleted') delete records[id];
    }
  }
}

function load(file: string): SandboxData {
  try {
    return { ...empty(), ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxData>) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
    throw error;
  }
}

/** Applies every due transition (chained ones too) as of `now`; returns true when something changed. */
export function advance<S extends string>(thing: Transitioning<S>, now: number): boolean {
  let changed = false;
  while (thing.pending && thing.pending.at <= now) {
    const { to, then } = thing.pending;
    thing.state = to;
    if (then) thing.pending = { to: then.to, at: then.at };
    else delete thing.pending;
    changed = true;
  }
  return changed;
}
