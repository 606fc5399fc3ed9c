import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface SimulatedServer {
  id: string;
  brokerId?: string;
  state: string;
  pending?: { to: string; at: number; then?: { to: string; at: number } };
}

/**
 * The simulated clouds' own record, read from their state files (so no fault injected on a target can
 * hide a server): for each target, the live servers (not deleting or deleted) carrying `brokerId`.
 */
export function sandboxServersOf(dataDir: string, targetIds: readonly string[], brokerId: string): string[] {
  return targetIds.flatMap((targetId) =>
    liveServers(dataDir, targetId)
      .filter((s) => s.brokerId === brokerId)
      .map(() => targetId),
  );
}

/** Live servers per broker id on the given targets, for campaigns counting many requests at once. */
export function sandboxServerCounts(dataDir: string, targetIds: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const targetId of targetIds)
    for (const server of liveServers(dataDir, targetId))
      if (server.brokerId) counts.set(server.brokerId, (counts.get(server.brokerId) ?? 0) + 1);
  return counts;
}

function liveServers(dataDir: string, targetId: string): SimulatedServer[] {
  let file: { servers?: Record<string, SimulatedServer> };
  try {
    file = JSON.parse(readFileSync(join(dataDir, 'sandbox', `${targetId}.json`), 'utf8'));
  } catch {
    return [];
  }
  return Object.values(file.servers ?? {}).filter((s) => !['deleting', 'deleted'].includes(advance(s)));
}

/** The simulation applies due transitions when it next reads, so the file may lag: apply them here. */
function advance(server: SimulatedServer): string {
  let state = server.state;
  let pending = server.pending;
  while (pending && pending.at <= Date.now()) {
    state = pending.to;
    pending = pending.then;
  }
  return state;
}
