import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

const valid = { name: 'ok-name', size: 'small', image: 'ubuntu-24.04', classification: 'internal' };

/** Each case: a body that is wrong in one field, and the field the problem must name. */
const CASES: [string, Record<string, unknown>, string][] = [
  ['name missing', { ...valid, name: undefined }, 'body.name'],
  ['name with capitals and spaces', { ...valid, name: 'Bad Name' }, 'body.name'],
  ['name too long', { ...valid, name: 'a'.repeat(64) }, 'body.name'],
  ['name ending in a dash', { ...valid, name: 'web-' }, 'body.name'],
  ['name not a string', { ...valid, name: 42 }, 'body.name'],
  ['size missing', { ...valid, size: undefined }, 'body.size'],
  ['size unknown', { ...valid, size: 'gigantic' }, 'body.size'],
  ['size empty', { ...valid, size: '' }, 'body.size'],
  ['size not a string', { ...valid, size: ['small'] }, 'body.size'],
  ['image missing', { ...valid, image: undefined }, 'body.image'],
  ['image unknown', { ...valid, image: 'windows-95' }, 'body.image'],
  ['image not a string', { ...valid, image: null }, 'body.image'],
  ['classification missing', { ...valid, classification: undefined }, 'body.classification'],
  ['classification unknown', { ...valid, classification: 'secret' }, 'body.classification'],
  ['classification in capitals', { ...valid, classification: 'PHI' }, 'body.classification'],
  ['region empty', { ...valid, region: '' }, 'body.region'],
  ['region too long', { ...valid, region: 'r'.repeat(65) }, 'body.region'],
  ['region not a string', { ...valid, region: 7 }, 'body.region'],
  ['region unknown to the catalogue', { ...valid, region: 'mars-1' }, 'body.region'],
  ['region with a NUL', { ...valid, region: 'north\u0000' }, 'body.region'],
  ['region with a newline', { ...valid, region: 'north\nsouth' }, 'body.region'],
  ['region with a bidi override', { ...valid, region: '\u202enorth' }, 'body.region'],
  ['region with markup', { ...valid, region: '<b>north</b>' }, 'body.region'],
  ['image with a newline', { ...valid, image: 'ubuntu-24.04\n' }, 'body.image'],
  ['size with a bidi isolate', { ...valid, size: 'small\u2066' }, 'body.size'],
  ['userData too long', { ...valid, userData: 'x'.repeat(16_385) }, 'body.userData'],
  ['userData with a NUL', { ...valid, userData: '#cloud-config\n\u0000' }, 'body.userData'],
  ['userData with a bidi override', { ...valid, userData: '#!/bin/sh\necho \u202e' }, 'body.userData'],
  ['userData not a string', { ...valid, userData: { a: 1 } }, 'body.userData'],
  ['tags not an object', { ...valid, tags: ['a'] }, 'body.tags'],
  ['tag key reserved', { ...valid, tags: { 'hcb:vm': 'x' } }, 'body.tags.hcb:vm'],
  ['tag value not a string', { ...valid, tags: { team: 5 } }, 'body.tags.team'],
  ['tag value too long', { ...valid, tags: { team: 'v'.repeat(256) } }, 'body.tags.team'],
  ['tag value with a NUL', { ...valid, tags: { team: 'a\u0000b' } }, 'body.tags.team'],
  ['tag value with a newline', { ...valid, tags: { team: 'a\r\nb' } }, 'body.tags.team'],
  ['tag value with a C1 control', { ...valid, tags: { team: 'a\u0085b' } }, 'body.tags.team'],
  ['tag value with a bidi override', { ...valid, tags: { team: 'abc\u202dfed' } }, 'body.tags.team'],
  ['tag value with a bidi isolate', { ...valid, tags: { team: '\u2067abc\u2069' } }, 'body.tags.team'],
  ['tag value with markup', { ...valid, tags: { team: '<script>x</script>' } }, 'body.tags.team'],
  ['tag key with a newline', { ...valid, tags: { 'te\nam': 'x' } }, 'body.tags.te\nam'],
  [
    'tag key service-endpoint (admin-designated)',
    { ...valid, tags: { 'service-endpoint': 'true' } },
    'body.tags.service-endpoint',
  ],
  [
    'too many tags',
    { ...valid, tags: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
    'body.tags',
  ],
  ['unknown field', { ...valid, flavorRef: 'm1.small' }, 'body'],
];

describe('bad input gets a 400 problem naming the field, and creates nothing', () => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness();
    token = await h.token('tenant-bad', ['app']);
  });
  afterAll(() => h.close());

  const nothingCreated = async () => {
    expect((await h.call('GET', '/v1/vms?limit=100', { token })).body.items).toEqual([]);
    const sandboxServers = [];
    for (const p of h.broker.providers.all())
      for await (const s of p.compute.listServers()) sandboxServers.push(s);
    expect(sandboxServers).toEqual([]);
  };

  it.each(CASES)('%s', async (_what, body, field) => {
    const reply = await h.call('POST', '/v1/vms', { token, body });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ status: 400, code: 'request.invalid', title: 'Bad Request' });
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    await nothingCreated();
  });

  it('malformed JSON is a 400', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('request.malformedJson');
    await nothingCreated();
  });

  it('a missing body is a 400; a body that is not JSON is a 415', async () => {
    const empty = await h.call('POST', '/v1/vms', { token, headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    expect(empty.headers.get('content-type')).toBe('application/problem+json');
    const text = await h.call('POST', '/v1/vms', {
      token,
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('request.unsupportedMediaType');
    await nothingCreated();
  });

  it('a body over 64 KiB is a 413', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token,
      body: { ...valid, userData: 'x'.repeat(70_000) },
    });
    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe('request.payloadTooLarge');
    await nothingCreated();
  });

  it('bad query and path parameters name the parameter', async () => {
    for (const [path, field] of [
      ['/v1/vms?limit=0', 'query.limit'],
      ['/v1/vms?limit=abc', 'query.limit'],
      ['/v1/vms?limit=101', 'query.limit'],
      ['/v1/vms?status=running', 'query.status'],
      ['/v1/vms?classification=top', 'query.classification'],
      ['/v1/vms?cursor=not-a-cursor', 'query.cursor'],
      ['/v1/vms?name=a%00b', 'query.name'],
      ['/v1/vms?name=a%0Ab', 'query.name'],
      ['/v1/vms?name=%E2%80%AEab', 'query.name'],
      ['/v1/vms?name=%3Cb%3E', 'query.name'],
      ['/v1/vms?targetId=sandbox%0A', 'query.targetId'],
      ['/v1/volumes?targetId=%E2%81%A6x', 'query.targetId'],
      ['/v1/buckets?targetId=a%3Cb', 'query.targetId'],
      ['/v1/images?targetId=a%00', 'query.targetId'],
      ['/v1/vms/not-an-id', 'path.id'],
      ['/v1/operations/vm-01jb2x3y4z5a6b7c8d9e0f1g2h', 'path.id'],
    ] as const) {
      const reply = await h.call('GET', path, { token });
      expect(reply.status, path).toBe(400);
      expect(
        reply.body.errors.map((e: { field: string }) => e.field),
        path,
      ).toContain(field);
    }
  });

  it('bad actions name the field', async () => {
    const vm = await h.call('POST', '/v1/vms', { token, body: valid });
    await h.settle(token, vm.body.operation.id);
    const path = `/v1/vms/${vm.body.vm.id}/actions`;
    for (const body of [
      {},
      { type: 'explode' },
      { type: 'resize' },
      { type: 'stop', force: true },
      { type: 'reboot', mode: 'gentle' },
    ]) {
      const reply = await h.call('POST', path, { token, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.errors[0].field.startsWith('body'), JSON.stringify(body)).toBe(true);
    }
    expect((await h.call('GET', `/v1/vms/${vm.body.vm.id}`, { token })).body).toMatchObject({
      status: 'active',
    });
    await h
      .call('DELETE', `/v1/vms/${vm.body.vm.id}`, { token })
      .then((r) => h.settle(token, r.body.operation.id));
  });
});
