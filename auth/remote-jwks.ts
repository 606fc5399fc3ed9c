import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface RemoteJwksOptions {
  /** How long one fetch may take. */
  timeoutMs?: number;
  /** After a fetch, how long an unknown key id waits before it may cause another. */
  cooldownMs?: number;
  /** How long fetched keys are used before they are fetched again. */
  cacheMaxAgeMs?: number;
}

/**
 * The IdP's JWKS over `node:http(s)`, with the caching of jose's `createRemoteJWKSet` (fetched when first
 * needed, again when older than `cacheMaxAgeMs` or when a token names an unknown key after the cooldown).
 * Not jose's own: it builds a `Headers` and calls `fetch`, and either loads all of Node's undici (its
 * module, then its HTTP parser's WebAssembly) — tens of ms of a Lambda cold start's first request.
 */
export function remoteJwkSet(url: URL, options: RemoteJwksOptions = {}): JWTVerifyGetKey {
  const { timeoutMs = 5_000, cooldownMs = 30_000, cacheMaxAgeMs = 600_000 } = options;
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  const reload = () =>
    (pending ??= fetchJwks(url, timeoutMs)
      .then((jwks) => {
        local = createLocalJWKSet(jwks);
        fetchedAt = Date.now();
      })
      .finally(() => {
        pending = undefined;
      }));
  return async (header, token) => {
    if (!local || Date.now() >= fetchedAt + cacheMaxAgeMs) await reload();
    try {
      return await local!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() < fetchedAt + cooldownMs) throw error;
      await reload();
      return local!(header, token);
    }
  };
}

/** One GET, no redirects followed: 200 with JSON, or a jose error as `createRemoteJWKSet` would throw. */
function fetchJwks(url: URL, timeoutMs: number): Promise<JSONWebKeySet> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'GET',
      headers: { accept: 'application/json, application/jwk-set+json' },
    });
    const timer = setTimeout(() => request.destroy(new errors.JWKSTimeout()), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        clearTimeout(timer);
        response.resume();
        reject(new errors.JOSEError('Expected 200 OK from the JSON Web Key Set HTTP response'));
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as JSONWebKeySet);
        } catch (cause) {
          reject(
            new errors.JOSEError('Failed to parse the JSON Web Key Set HTTP response as JSON', { cause }),
          );
        }
      });
    });
    request.end();
  });
}
