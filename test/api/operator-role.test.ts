import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

const FAULTS = '/v1/sandbox/targets/sandbox-public-east/faults';
const SLOW = { rules: [], latencyMs: 5 };

/**
 * `operator` is the platform role: only it changes what every tenant shares (sandbox faults) and reads
 * across tenants; it is not a tenant application, and a tenant's `admin` is confined to its tenant.
 */
describe('the operator role', () => {
  let h: Harness;
  let vmOfA: string;

  beforeAll(async () => {
    h = await startHarness();
    const app = await h.token('ops-a', ['app']);
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'tenant-a-vm', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    vmOfA = reply.body.vm.id;
    await h.settle(app, reply.body.operation.id);
  });
  afterAll(() => h.close());

  const faults = () =>
    (h.broker.providers.all().find((p) => p.target.id === 'sandbox-public-east') as SandboxProvider).faults
      .settings;

  it("refuses a tenant's admin, app and auditor fault injection into the shared sandbox targets", async () => {
    for (const roles of [['admin'], ['app'], ['auditor'], ['admin', 'auditor']] as const) {
      const token = await h.token('ops-a', [...roles]);
      const reply = await h.call('PUT', FAULTS, { token, body: SLOW });
      expect(reply.status, roles.join()).toBe(403);
      expect(reply.body.code).toBe('auth.forbidden');
    }
    expect(faults().latencyMs).toBe(0);
  });

  it('lets an operator inject faults, and records who did it', async () => {
    const token = await h.token('platform', ['operator'], 'ops-oncall');
    const reply = await h.call('PUT', FAULTS, { token, body: SLOW });
    expect(reply.status).toBe(200);
    expect(faults().latencyMs).toBe(5);
    const trail = await h.call('GET', '/v1/audit?action=sandbox.faults', { token });
    expect(trail.body.items[0]).toMatchObject({
      actor: { sub: 'ops-oncall', tenant: 'platform', roles: ['operator'] },
      outcome: 'succeeded',
      policies: ['api.platform-operate'],
    });
    await h.call('PUT', FAULTS, { token, body: { rules: [], latencyMs: 0 } });
  });

  it("reads another tenant's resources when it names the tenant, and only then", async () => {
    const token = await h.token('platform', ['operator']);
    const one = await h.call('GET', `/v1/vms/${vmOfA}?tenant=ops-a`, { token });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(vmOfA);
    const list = await h.call('GET', '/v1/vms?tenant=ops-a', { token });
    expect(list.body.items.map((v: { id: string }) => v.id)).toEqual([vmOfA]);
    expect((await h.call('GET', `/v1/vms/${vmOfA}`, { token })).status).toBe(404);
  });

  it("changes no tenant's resources: no creating, acting or deleting, in another tenant or its own", async () => {
    const token = await h.token('platform', ['operator']);
    const body = { name: 'ops-vm', size: 'small', image: 'ubuntu-24.04', classification: 'internal' };
    for (const [method, path, b] of [
      ['POST', '/v1/vms?tenant=ops-a', body],
      ['POST', '/v1/vms', body],
      ['POST', `/v1/vms/${vmOfA}/actions?tenant=ops-a`, { type: 'stop' }],
      ['DELETE', `/v1/vms/${vmOfA}?tenant=ops-a`, undefined],
    ] as const) {
      const reply = await h.call(method, path, { token, ...(b ? { body: b } : {}) });
      expect(reply.status, `${method} ${path}`).toBe(403);
    }
    const app = await h.token('ops-a', ['app']);
    expect((await h.call('GET', `/v1/vms/${vmOfA}`, { token: app })).body.status).toBe('active');
  });

  it("keeps a tenant's admin to its own tenant, even when it names another", async () => {
    const token = await h.token('ops-b', ['admin']);
    const reply = await h.call('GET', `/v1/vms/${vmOfA}?tenant=ops-a`, { token });
    expect(reply.status).toBe(403);
    expect(reply.body.details.policies).toEqual(['api.tenant-isolation']);
    expect(reply.text).not.toContain('tenant-a-vm');
  });

  it('is minted by `hcb token --roles operator`, and the broker accepts it', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        resolve(import.meta.dirname, '../../bin/hcb.js'),
        'token',
        '--tenant',
        'platform',
        '--roles',
        'operator',
      ],
      { env: { ...process.env, DATA_DIR: h.dataDir } },
    );
    const token = stdout.trim();
    expect(decodeJwt(token)).toMatchObject({ tenant: 'platform', roles: ['operator'] });
    const reply = await h.call('PUT', FAULTS, { token, body: { rules: [], latencyMs: 0 } });
    expect(reply.status).toBe(200);
  });
});
