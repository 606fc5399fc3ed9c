import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import { kill, startBroker as spawnBroker } from '../support/spawned-broker.ts';
import { waitFor } from '../support/wait-for.ts';

const SLOW_TARGETS = resolve(import.meta.dirname, '../fixtures/targets.slow.yaml');
const startBroker = (dataDir: string) => spawnBroker(dataDir, SLOW_TARGETS);

/**
 * The simulated cloud's own record: servers on the target carrying this VM's broker id, with the state
 * they are in now (the simulation applies due transitions when it next reads, so the file may lag).
 */
function serversFor(dataDir: string, vmId: string): { id: string; state: string }[] {
  try {
    const file = JSON.parse(readFileSync(join(dataDir, 'sandbox', 'sandbox-onprem-north.json'), 'utf8'));
    const servers = Object.values(file.servers as Record<string, SimulatedServer>).filter(
      (s) => s.brokerId === vmId,
    );
    return servers.map((s) => ({ id: s.id, state: advance(s) }));
  } catch {
    return [];
  }
}

interface SimulatedServer {
  id: string;
  brokerId?: string;
  state: string;
  pending?: { to: string; at: number; then?: { to: string; at: number } };
}

function advance(server: SimulatedServer): string {
  let state = server.state;
  let pending = server.pending;
  while (pending && pending.at <= Date.now()) {
    state = pending.to;
    pending = pending.then;
  }
  return state;
}

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
type Reply = { status: number; body: any };

async function api(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

describe('the worker resumes after the process is killed mid-operation (I4, I5)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const setup = async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcb-kill-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startBroker(dataDir);
    cleanups.push(() => void first.child.kill('SIGKILL'));
    const key = await loadOrCreateDevKey(dataDir);
    const app = await mintDevToken(key, { tenant: 'clinic-k', roles: ['app'] });
    const operator = await mintDevToken(key, { tenant: 'platform', roles: ['operator'] });
    return { dataDir, first, app, operator };
  };

  const restartAndFinish = async (dataDir: string, app: string, vmId: string, opId: string) => {
    const second = await startBroker(dataDir);
    cleanups.push(() => void second.child.kill('SIGKILL'));
    const op = await waitFor(
      () => api(second.base, app, 'GET', `/v1/operations/${opId}`),
      (r) => ['succeeded', 'failed'].includes(r.body.status),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'the resumed operation',
      },
    );
    expect(op.body.status, JSON.stringify(op.body.error)).toBe('succeeded');
    expect((await api(second.base, app, 'GET', `/v1/vms/${vmId}`)).body.status).toBe('active');
    const servers = serversFor(dataDir, vmId);
    expect(servers).toHaveLength(1);
    expect(servers[0]!.state).toBe('active');
  };

  it('killed while the server builds: the restarted broker finishes the same operation on the same server', {
    timeout: 90_000,
  }, async () => {
    const { dataDir, first, app } = await setup();
    const created = await api(first.base, app, 'POST', '/v1/vms', {
      name: 'survivor',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'phi',
    });
    expect(created.status).toBe(202);
    const vmId = created.body.vm.id;
    const opId = created.body.operation.id;
    await waitFor(
      () => api(first.base, app, 'GET', `/v1/operations/${opId}`),
      (r) => r.body.steps.some((s: { name: string }) => s.name === 'awaitActive'),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
        what: 'the build to start',
      },
    );
    await kill(first);
    expect(serversFor(dataDir, vmId)).toHaveLength(1);
    await restartAndFinish(dataDir, app, vmId, opId);
  });

  it('killed after the cloud created the server but before the broker recorded it: no second server', {
    timeout: 90_000,
  }, async () => {
    const { dataDir, first, app, operator } = await setup();
    // The cloud creates the server, then the response is lost; the worker backs off before retrying.
    const faults = await fetch(`${first.base}/v1/sandbox/targets/sandbox-onprem-north/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ type: 'loseResponse', method: 'createServer', count: 1 }] }),
    });
    expect(faults.status).toBe(200);
    const created = await api(first.base, app, 'POST', '/v1/vms', {
      name: 'lost-reply',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'phi',
    });
    const vmId = created.body.vm.id;
    await waitFor(
      async () => serversFor(dataDir, vmId).length,
      (n) => n > 0,
      { timeoutMs: 10_000, intervalMs: 10, what: 'the server to exist' },
    );
    await kill(first);
    expect(serversFor(dataDir, vmId)).toHaveLength(1);
    await restartAndFinish(dataDir, app, vmId, created.body.operation.id);
  });
});
