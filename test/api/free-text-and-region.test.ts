import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

const NUL = '\u0000';
const RLO = '\u202e';
const LRI = '\u2066';

/**
 * Free text is printable and bounded on every route that takes it, and a requested region is one of the
 * catalogue's and a constraint: with no permitted target there, the request is refused and nothing made.
 */
describe('free text and regions', () => {
  let h: Harness;
  let app: string;
  let auditor: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-text', ['app']);
    auditor = await h.token('tenant-text', ['auditor']);
  });
  afterAll(() => h.close());

  const nothingCreated = async () => {
    for (const list of ['/v1/vms', '/v1/volumes', '/v1/buckets'])
      expect((await h.call('GET', `${list}?limit=100`, { token: app })).body.items, list).toEqual([]);
  };

  const volume = { name: 'scratch', sizeGiB: 1, classification: 'internal' };
  const bucket = { name: 'results', classification: 'internal' };
  const simulate = { kind: 'vm', classification: 'internal' };

  it.each([
    ['/v1/volumes', { ...volume, region: `north${NUL}` }, 'body.region'],
    ['/v1/volumes', { ...volume, region: 'atlantis' }, 'body.region'],
    ['/v1/volumes', { ...volume, tags: { team: `a${RLO}b` } }, 'body.tags.team'],
    ['/v1/volumes', { ...volume, tags: { 'service-endpoint': 'true' } }, 'body.tags.service-endpoint'],
    ['/v1/buckets', { ...bucket, region: 'us-east-1\n' }, 'body.region'],
    ['/v1/buckets', { ...bucket, region: 'nowhere-9' }, 'body.region'],
    ['/v1/buckets', { ...bucket, tags: { team: '<img src=x>' } }, 'body.tags.team'],
    ['/v1/placements/simulate', { ...simulate, region: `${LRI}north` }, 'body.region'],
    ['/v1/placements/simulate', { ...simulate, region: 'eu-central-1' }, 'body.region'],
    ['/v1/placements/simulate', { ...simulate, size: `small${NUL}` }, 'body.size'],
    ['/v1/placements/simulate', { ...simulate, tags: { study: 'x\ny' } }, 'body.tags.study'],
  ])('POST %s refuses %j naming %s', async (path, body, field) => {
    const reply = await h.call('POST', path, { token: app, body });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.body.code).toBe('request.invalid');
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    await nothingCreated();
  });

  it('refuses control characters in query parameters of the audit trail', async () => {
    for (const query of [`tenant=a%00b`, `action=vm.create%0A`, `tenant=%E2%80%AEx`, `action=%3Cx%3E`]) {
      const reply = await h.call('GET', `/v1/audit?${query}`, { token: auditor });
      expect(reply.status, query).toBe(400);
      expect(reply.body.errors[0].field, query).toMatch(/^query\.(tenant|action)$/);
    }
  });

  it.each([
    ['a phi VM', '/v1/vms', { name: 'ehr', size: 'small', image: 'ubuntu-24.04', classification: 'phi' }],
    ['a phi volume', '/v1/volumes', { ...volume, classification: 'phi' }],
    ['a phi bucket', '/v1/buckets', { ...bucket, classification: 'phi' }],
  ])('refuses %s in a public region: the region is a constraint, not a wish', async (_what, path, body) => {
    const reply = await h.call('POST', path, { token: app, body: { ...body, region: 'us-east-1' } });
    expect(reply.status, reply.text).toBe(403);
    expect(reply.body.code).toBe('placement.noPermittedTarget');
    expect(reply.body.detail).toContain('in the requested region us-east-1');
    expect(reply.body.details.region).toBe('us-east-1');
    await nothingCreated();
  });

  it('simulates a region constraint: only targets there are permitted, the rest say why', async () => {
    const reply = await h.call('POST', '/v1/placements/simulate', {
      token: app,
      body: { kind: 'vm', classification: 'internal', region: 'south' },
    });
    expect(reply.status, reply.text).toBe(200);
    const { decision } = reply.body;
    expect(decision.chosen).toMatchObject({ targetId: 'sandbox-onprem-south', region: 'south' });
    for (const c of decision.candidates.filter((c: { region: string }) => c.region !== 'south')) {
      expect(c.permitted).toBe(false);
      expect(c.policies).toEqual(['builtin.requested-region']);
      expect(c.reasons[0]).toBe('not in the requested region south');
    }
  });

  it('places in the requested region, and keeps multi-line user data', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: 'worker',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'internal',
        region: 'north',
        userData: '#cloud-config\r\npackages:\n\t- nginx\n',
        tags: { team: 'Radiologie – Nord' },
      },
    });
    expect(reply.status, reply.text).toBe(202);
    expect(reply.body.vm).toMatchObject({
      region: 'north',
      hasUserData: true,
      placement: { region: 'north' },
    });
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
  });
});
