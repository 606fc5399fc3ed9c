import type { ServerMigration } from '../../core/ports/cloud/compute.ts';
import type { SandboxMigration, SandboxServer } from './sandbox-state.ts';

/** The two simulated compute hosts of a target. */
export function sandboxHosts(targetId: string): [string, string] {
  return [`${targetId}-host-1`, `${targetId}-host-2`];
}

/** Until a migration ends the server still runs on the host it left. */
export function hostNow(server: SandboxServer, now: number): string {
  const last = server.migrations?.at(-1);
  return last && now < last.endsAt ? last.from : server.host;
}

/**
 * As in Nova, a migration's record says `completed` only after the source host's clean-up, which ends a
 * while after the server is active on its new host; here half a second, longer than a worker's first
 * poll, so an operation that took "active" for "moved" would be seen finishing too early.
 */
const CLEAN_UP_MS = 500;

/** Progress is the share of the simulated migration's time already spent. */
export function toServerMigration(m: SandboxMigration, now: number): ServerMigration {
  const span = Math.max(1, m.endsAt - m.startedAt);
  const done = now >= m.endsAt + CLEAN_UP_MS;
  return {
    id: m.id,
    state: done ? 'completed' : 'running',
    rawState: done ? 'completed' : 'running',
    sourceHost: m.from,
    destHost: m.to,
    // The copy is done when the server moves (100), though the record runs on through the clean-up.
    progressPercent: now >= m.endsAt ? 100 : Math.min(99, Math.floor(((now - m.startedAt) * 100) / span)),
    createdAt: new Date(m.startedAt).toISOString(),
    updatedAt: new Date(done ? m.endsAt + CLEAN_UP_MS : now).toISOString(),
  };
}
