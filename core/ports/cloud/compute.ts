/**
 * Compute as every cloud connector offers it. Methods take the cloud's own ids; logical sizes and images
 * are resolved by the connector from its target's catalogue entry. Errors are BrokerErrors whose kind is
 * one of: notFound, conflict, quotaExceeded, capacity, overLimit, unavailable, timeout, lostResponse,
 * invalidRequest, unsupported, unauthorized (see core/errors.ts for which allow fallback or retry).
 */
export const SERVER_STATES = [
  'building',
  'active',
  'stopped',
  'paused',
  'resizing',
  'verifyResize',
  'rebooting',
  'migrating',
  'error',
  'deleting',
  'deleted',
  'unknown',
] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/**
 * The tag (Nova and Cinder metadata, EC2 tag) naming the deployment that created a resource: the reconciler
 * deletes an orphan only when it is its own deployment's (two deployments may share a cloud project).
 */
export const DEPLOYMENT_TAG = 'hcb:deployment';

export interface CloudServer {
  /** The cloud's id (Nova server UUID, EC2 instance id, …). */
  id: string;
  /** The broker's VM id, read back from the server's metadata/tags (lookup-before-create, I4). */
  brokerId?: string;
  /** The deployment that created it ({@link DEPLOYMENT_TAG}); absent on servers made before the tag. */
  deployment?: string;
  name: string;
  state: ServerState;
  /** The cloud's own status words, for diagnostics (`ACTIVE/None`, `running`, …). */
  rawState: string;
  /** The cloud's size id currently applied (flavor id or name, instance type). */
  sizeRef?: string;
  /** Fixed (private) addresses. */
  addresses: string[];
  createdAt?: string;
  /** The cloud's fault message when state is `error`; shown to admins, never PHI. */
  fault?: string;
  /** The compute host running it, where the cloud tells (Nova admin attribute, sandbox); EC2 has none. */
  host?: string;
}

export interface CreateServerInput {
  /** The broker's VM id; the connector stores it in metadata/tags so the server can be found again. */
  brokerId: string;
  name: string;
  /** Logical size (`small`) — resolved through the target's size map. */
  size: string;
  /** Logical image (`ubuntu-24.04`) or an image id the broker created (snapshot). */
  image: string;
  /** Raw user data (the connector encodes it as its API requires). */
  userData?: string;
  tags: Record<string, string>;
  /** Deterministic per operation: EC2's ClientToken; others may ignore it and rely on brokerId lookup. */
  clientToken: string;
  securityGroupIds?: string[];
  /** Tenant networks to join instead of the target's default (CloudTenantNetwork ids, this target's). */
  networkIds?: string[];
}

/**
 * A console: a short-lived URL carrying a one-time token (`type` names the kind of page: `novnc`,
 * `simulated-novnc`), or where the cloud offers no URL the console's recent output (`console-output`).
 */
export type ServerConsole =
  | { kind: 'url'; protocol: string; type: string; url: string; expiresAt: string }
  | { kind: 'output'; type: 'console-output'; output: string };

export const MIGRATION_STATES = ['queued', 'running', 'completed', 'failed', 'unknown'] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

/** One move of a server between hosts of its target, as the cloud records it. */
export interface ServerMigration {
  id: string;
  state: MigrationState;
  /** The cloud's own status word (`running`, `completed`, `error`, …). */
  rawState: string;
  sourceHost?: string;
  destHost?: string;
  /** 0–100 while memory is being copied, where the cloud reports it; 100 once completed. */
  progressPercent?: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface ServerImageInput {
  name: string;
  /** The broker's image id, stored in the image's metadata/tags. */
  brokerId: string;
}

export interface ComputeService {
  createServer(input: CreateServerInput): Promise<CloudServer>;
  findServerByBrokerId(brokerId: string): Promise<CloudServer | undefined>;
  /** Throws a `*.notFound` BrokerError when the server does not exist (or is fully deleted). */
  getServer(serverId: string): Promise<CloudServer>;
  listServers(filter?: { changesSince?: string }): AsyncIterable<CloudServer>;
  /** Idempotent: deleting a server that is already gone succeeds. */
  deleteServer(serverId: string): Promise<void>;
  startServer(serverId: string): Promise<void>;
  stopServer(serverId: string): Promise<void>;
  rebootServer(serverId: string, mode: 'soft' | 'hard'): Promise<void>;
  pauseServer(serverId: string): Promise<void>;
  unpauseServer(serverId: string): Promise<void>;
  /** Starts a resize to a logical size; the server reaches `verifyResize` (or `active` where no confirm exists). */
  resizeServer(serverId: string, size: string): Promise<void>;
  confirmResize(serverId: string): Promise<void>;
  /** Starts an image of the server; returns the new image's cloud id (poll it through ImageService). */
  createServerImage(serverId: string, input: ServerImageInput): Promise<{ imageId: string }>;
  getConsole(serverId: string): Promise<ServerConsole>;
  /** Moves the server to another host of the same target (admin-only in most clouds). */
  liveMigrate(serverId: string, host?: string): Promise<void>;
  /** The server's migrations, newest first; empty where the cloud has no hosts to move between (EC2). */
  listMigrations(serverId: string): Promise<ServerMigration[]>;
}
