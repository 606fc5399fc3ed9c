import type { MigrationState, ServerMigration } from '../../core/ports/cloud/compute.ts';
import type { Link, Nova } from './nova.ts';
import { nextLink, query, seg } from './session.ts';

/**
 * A server's migrations and the progress of a running live migration, at nova.ts's pinned microversion
 * (2.79): `GET /os-migrations?instance_uuid=` (filter ≥ 2.59, paged by `migrations_links`, admin by
 * default policy — the broker's project role has it, as live migration needs it anyway) and
 * `GET /servers/{id}/migrations` (≥ 2.23, only the live migrations in progress, with the bytes copied).
 * https://docs.openstack.org/api-ref/compute/#migrations-os-migrations
 * https://docs.openstack.org/api-ref/compute/#server-migrations-servers-server-id-migrations
 */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
const PAGE_SIZE = 100;

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const migrationsPath = (serverId: string) =>
  `/os-migrations${query({ instance_uuid: serverId, limit: PAGE_SIZE })}`;
export const serverMigrationsPath = (serverId: string) => `/servers/${seg(serverId)}/migrations`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class NovaMigrations {
  readonly #nova: Nova;

  constructor(nova: Nova) {
    this.#nova = nova;
  }

  /** Every migration of the server (cold and live), all pages; Nova lists the newest first. */
  listForServer(serverId: string): AsyncIterable<NovaMigration> {
    return this.#nova.paginate<NovaMigration, { migrations: NovaMigration[]; migrations_links?: Link[] }>(
      { method: 'GET', path: migrationsPath(serverId), op: 'nova.listMigrations', accept: [200] },
      (b) => ({ items: b.migrations, next: nextLink(b.migrations_links) }),
    );
  }

  /** The live migrations in progress; 404 when the server is gone. */
  async inProgress(serverId: string): Promise<NovaServerMigration[]> {
    const body = await this.#nova.json<{ migrations: NovaServerMigration[] }>({
      method: 'GET',
      path: serverMigrationsPath(serverId),
      op: 'nova.listServerMigrations',
      accept: [200],
    });
    return body.migrations;
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface NovaMigration {
  id: number;
  /** ≥ 2.59. */
  uuid?: string;
  status: string;
  migration_type?: 'live-migration' | 'migration' | 'resize' | 'evacuation';
  source_compute?: string | null;
  dest_compute?: string | null;
  created_at?: string;
  updated_at?: string | null;
}

export interface NovaServerMigration {
  id: number;
  status: string;
  memory_total_bytes?: number | null;
  memory_processed_bytes?: number | null;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
/** Nova's timestamps carry no zone; they are UTC. */
const utc = (at: string) => (/[zZ]|[+-]\d\d:?\d\d$/.test(at) ? at : `${at}Z`);

export function toServerMigration(m: NovaMigration, running?: NovaServerMigration): ServerMigration {
  const state = toMigrationState(m.status);
  const out: ServerMigration = { id: m.uuid ?? String(m.id), state, rawState: m.status };
  if (m.source_compute) out.sourceHost = m.source_compute;
  if (m.dest_compute) out.destHost = m.dest_compute;
  if (m.created_at) out.createdAt = new Date(utc(m.created_at)).toISOString();
  if (m.updated_at) out.updatedAt = new Date(utc(m.updated_at)).toISOString();
  if (state === 'completed') out.progressPercent = 100;
  else if (running?.memory_total_bytes && running.memory_processed_bytes !== null)
    out.progressPercent = Math.min(
      99,
      Math.floor(((running.memory_processed_bytes ?? 0) * 100) / running.memory_total_bytes),
    );
  return out;
}

// ── state map ──────────────────────────────────────────────────────────────────────────────────────
/** Nova's migration statuses (nova/objects/migration.py); anything else is `unknown`, never a guess. */
const MIGRATION_STATUS: Record<string, MigrationState> = {
  queued: 'queued',
  accepted: 'queued',
  'pre-migrating': 'queued',
  preparing: 'queued',
  running: 'running',
  migrating: 'running',
  'post-migrating': 'running',
  finished: 'completed',
  completed: 'completed',
  confirmed: 'completed',
  done: 'completed',
  error: 'failed',
  failed: 'failed',
  cancelled: 'failed',
  reverted: 'failed',
};

export function toMigrationState(status: string): MigrationState {
  return MIGRATION_STATUS[status] ?? 'unknown';
}
