import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { remoteJwkSet } from './remote-jwks.ts';

type Key = Awaited<ReturnType<typeof generateKeyPair>> & { jwk: JWK };
const keys: Key[] = [];
beforeAll(async () => {
  for (const kid of ['k1', 'k2']) {
    const pair = await generateKeyPair('ES256');
    keys.push({ ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256' } });
  }
});

let server: Server | undefined;
afterEach(() => server?.close());
/** An IdP answering with `answer()` each time; counts its requests. */
async function idp(answer: () => { status: number; body: string; delayMs?: number }) {
  const seen = { requests: 0 };
  server = createServer((_req, res) => {
    seen.requests++;
    const { status, body, delayMs = 0 } = answer();
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`), seen };
}
const token = (key: Key) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid! })
    .setSubject('s')
    .sign(key.privateKey);
const jwks = (...published: Key[]) => JSON.stringify({ keys: published.map((k) => k.jwk) });

describe('the remote JWKS', () => {
  it('fetches once and verifies with the keys it holds', async () => {
    const { url, seen } = await idp(() => ({ status: 200, body: jwks(keys[0]!) }));
    const getKey = remoteJwkSet(url);
    await jwtVerify(await token(keys[0]!), getKey);
    await jwtVerify(await token(keys[0]!), getKey);
    expect(seen.requests).toBe(1);
  });

  it('fetches again for an unknown key once the cooldown is over, not before', async () => {
    let published = jwks(keys[0]!);
    const { url, seen } = await idp(() => ({ status: 200, body: published }));
    const cooling = remoteJwkSet(url, { cooldownMs: 60_000 });
    await jwtVerify(await token(keys[0]!), cooling);
    published = jwks(keys[0]!, keys[1]!);
    await expect(jwtVerify(await token(keys[1]!), cooling)).rejects.toThrow(/no applicable key/i);
    expect(seen.requests).toBe(1);
    published = jwks(keys[0]!);
    const rotated = remoteJwkSet(url, { cooldownMs: 0 });
    await jwtVerify(await token(keys[0]!), rotated);
    published = jwks(keys[1]!);
    await jwtVerify(await token(keys[1]!), rotated);
    expect(seen.requests).toBe(3);
  });

  it('refuses an answer that is not 200 with JSON, and one that does not come in time', async () => {
    const answers = [
      { status: 404, body: '{}' },
      { status: 200, body: 'not json' },
      { status: 200, body: jwks(keys[0]!), delayMs: 500 },
    ];
    const { url } = await idp(() => answers.shift()!);
    const getKey = remoteJwkSet(url, { timeoutMs: 100 });
    await expect(jwtVerify(await token(keys[0]!), getKey)).rejects.toThrow(/Expected 200 OK/);
    await expect(jwtVerify(await token(keys[0]!), getKey)).rejects.toThrow(/parse/);
    await expect(jwtVerify(await token(keys[0]!), getKey)).rejects.toMatchObject({
      code: 'ERR_JWKS_TIMEOUT',
    });
  });
});
