import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: the document is inspected field by field
type Json = any;

/** The OpenAPI document states every status the API can give, with the problem schema. */
describe('the OpenAPI document tells the truth', () => {
  let h: Harness;
  let app: string;
  let doc: Json;
  const operations: [string, string, Json][] = [];

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('doc', ['app']);
    doc = (await h.call('GET', '/openapi.json')).body;
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item as Record<string, Json>))
        operations.push([method, path, op]);
  });
  afterAll(() => h.close());

  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

  it('documents the standard problem responses on every /v1 operation', () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const [method, path, op] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      // Outside /v1 (GET /metrics) only what the route itself can answer, and 431 from the server.
      const expected = path.startsWith('/v1/') ? [401, 403, 429, 431, 503] : [431];
      if (path.includes('{')) expected.push(400, 404);
      if (op.requestBody) expected.push(400, 413, 415);
      for (const status of expected) {
        expect(op.responses[status], `${where} ${status}`).toBeDefined();
        expect(op.responses[status].content, `${where} ${status}`).toEqual(problem);
      }
      for (const status of Object.keys(op.responses).filter((s) => Number(s) >= 400))
        expect(Object.keys(op.responses[status].content ?? {}), `${where} ${status}`).toEqual([
          'application/problem+json',
        ]);
    }
  });

  it('documents the Idempotency-Key header with its pattern on mutating routes (not on presign or webhook creation)', () => {
    const mutating = operations.filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method));
    expect(mutating.length).toBeGreaterThan(15);
    for (const [method, path, op] of mutating) {
      const header = (op.parameters ?? []).find(
        (p: Json) => p.in === 'header' && p.name === 'idempotency-key',
      );
      // Never stored for a replay: a presigned link, a webhook's one-time secret.
      if (path.endsWith('/presign') || path === '/v1/webhooks') {
        expect(header, path).toBeUndefined();
        continue;
      }
      expect(header?.schema, `${method} ${path}`).toMatchObject({ pattern: '^[\\x21-\\x7e]{1,255}$' });
      expect(op.responses['409'], `${method} ${path}`).toBeDefined();
      expect(op.responses['422'], `${method} ${path}`).toBeDefined();
    }
  });

  it('states the tag key pattern and limit, the link shapes and port rule, and the backup schedule', () => {
    const tags = doc.components.schemas.CreateVm.properties.tags;
    expect(tags.propertyNames.pattern).toBe('^(?!hcb:|service-endpoint$)[A-Za-z0-9][A-Za-z0-9:._/-]{0,62}$');
    expect(tags.maxProperties).toBe(20);
    expect(tags.additionalProperties).toMatchObject({ maxLength: 255 });
    const schemas = doc.components.schemas;
    // Which `to` goes with which `from` is the union's: a network reaches only a VM.
    expect(schemas.CreateLink.anyOf.map((s: { $ref: string }) => s.$ref.split('/').pop())).toEqual([
      'NetworkToVmLink',
      'VmToVmLink',
      'VmToNetworkLink',
    ]);
    const network = { $ref: '#/components/schemas/LinkNetwork' };
    expect(schemas.NetworkToVmLink.properties.from).toEqual(network);
    expect(schemas.NetworkToVmLink.properties.to.properties.vmId).toBeDefined();
    expect(schemas.VmToNetworkLink.properties.to).toEqual(network);
    for (const shape of ['NetworkToVmLink', 'VmToVmLink', 'VmToNetworkLink']) {
      expect(schemas[shape].oneOf, shape).toHaveLength(2);
      expect(schemas[shape].additionalProperties, shape).toBe(false);
    }
    const cidr = new RegExp(schemas.LinkNetwork.properties.cidr.pattern);
    expect([cidr.test('10.1.2.0/24'), cidr.test('10.1.2.3/24')]).toEqual([true, false]);
    const schedule = new RegExp(schemas.BackupPolicyInput.properties.schedule.pattern);
    expect([schedule.test('0 2 * * 1-5'), schedule.test('0 0 30 2 *')]).toEqual([true, false]);
    const presignKey = doc.components.schemas.PresignRequest.properties.key;
    expect(new RegExp(presignKey.pattern).test('reports/a.pdf')).toBe(true);
    expect(new RegExp(presignKey.pattern).test('a\nb')).toBe(false);
    expect(new RegExp(presignKey.pattern).test('/a')).toBe(false);
  });

  it('answers an undocumented method with 405 and Allow before checking the Idempotency-Key', async () => {
    const reply = await h.call('PUT', '/v1/buckets', {
      token: app,
      body: { name: 'x', classification: 'public' },
      headers: { 'idempotency-key': 'not valid because of spaces' },
    });
    expect(reply.status).toBe(405);
    expect(reply.body.code).toBe('request.methodNotAllowed');
    expect(reply.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('answers a JSON route given text/plain with a 415 problem, as documented', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      rawBody: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(reply.status).toBe(415);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe('request.unsupportedMediaType');
  });

  it('answers a body over 64 KiB with a 413 problem, as documented', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      rawBody: JSON.stringify({ name: 'x', userData: 'y'.repeat(70_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe('request.payloadTooLarge');
  });
});
