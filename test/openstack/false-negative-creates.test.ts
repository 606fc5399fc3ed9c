import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { sandboxServersOf } from '../support/sandbox-servers.ts';
import { OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

const RUNS = 6;
const TARGET = 'openstack-fn';
const SANDBOX = ['sandbox-onprem-north', 'sandbox-onprem-south'];

/** Real OpenStack first for phi, the simulated on-prem targets as permitted fallbacks. */
function catalogue(): string {
  const base = readFileSync(FAST_TARGETS, 'utf8');
  const { kinds: _kinds, ...entry } = openstackTarget({
    id: TARGET,
    ranking: { preference: 30, costPerVcpuHour: 0.03 },
  });
  const openstack = stringify([entry], { indent: 2 })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-fn-')), 'targets.yaml');
  writeFileSync(file, base.replace('targets:\n', `targets:\n${openstack}\n`));
  return file;
}

/**
 * False-negative creates against real Nova: the create request really reaches Nova, then the
 * connector's fetch reports a timeout (odd creates) or hands back a 503 instead of Nova's 202 (even
 * creates). With other permitted on-prem targets available, each request must still end with exactly
 * one server — on OpenStack, adopted by the lookup — and none elsewhere.
 */
describe('false-negative creates on real OpenStack', () => {
  let h: Harness;
  let app: string;
  let os: OpenStackProvider;
  const realFetch = globalThis.fetch;
  let faulted = 0;
  const vmIds: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue() });
    app = await h.token('tenant-os-fn', ['app']);
    os = h.broker.providers.get(TARGET) as OpenStackProvider;
    // The connector calls globalThis.fetch at request time: wrap it for Nova's create only.
    globalThis.fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      const response = await realFetch(input, init);
      if (method !== 'POST' || !/:8774\/.*\/servers$/.test(new URL(url).origin + new URL(url).pathname))
        return response;
      await response.arrayBuffer();
      faulted += 1;
      if (faulted % 2 === 1) throw new DOMException('simulated timeout after the create', 'TimeoutError');
      return new Response(JSON.stringify({ computeFault: { code: 503, message: 'simulated' } }), {
        status: 503,
        headers: { 'content-type': 'application/json' },
      });
    };
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    for (const id of vmIds) {
      const reply = await h.call('DELETE', `/v1/vms/${id}`, { token: app });
      if (reply.status === 202) await h.settle(app, reply.body.operation.id, 120_000).catch(() => undefined);
    }
    await h?.close();
  });

  const serversOn = async (vmId: string) => {
    const found: string[] = [];
    for await (const server of os.compute.listServers())
      if (server.brokerId === vmId && server.state !== 'deleted') found.push(server.id);
    return found;
  };

  it(`leaves exactly one server per request (${RUNS} requests, every create answer lost or a 503)`, async () => {
    let duplicates = 0;
    for (let i = 0; i < RUNS; i++) {
      const created = await h.call('POST', '/v1/vms', {
        token: app,
        body: { name: `fn-os-${i}`, size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
      });
      expect(created.status, created.text).toBe(202);
      expect(created.body.vm.placement.targetId).toBe(TARGET);
      const vmId = created.body.vm.id as string;
      vmIds.push(vmId);
      const op = await h.settle(app, created.body.operation.id, 300_000);
      expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
      const onOpenStack = await serversOn(vmId);
      const elsewhere = sandboxServersOf(h.dataDir, SANDBOX, vmId);
      if (onOpenStack.length + elsewhere.length !== 1) duplicates += 1;
      expect(elsewhere).toEqual([]);
      expect(onOpenStack).toHaveLength(1);
    }
    console.info(
      `OpenStack false-negative creates: ${RUNS} requests, ${faulted} answers lost, ${duplicates} duplicates`,
    );
    expect(faulted).toBeGreaterThanOrEqual(RUNS);
  }, 900_000);
});
