import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import type { Role } from '../core/model/principal.ts';

/** The embedded default's own issuer: tokens minted by `hcb token` for a broker on this machine. */
export const DEV_ISSUER = 'hcb-local';
export const DEV_AUDIENCE = 'hcb-api';

const FILE = 'dev-signing-key.json';

/**
 * A development signing key kept in the data folder (created on first use, mode 0600), so `hcb token` and
 * the local broker agree without any IdP. Production verifies against the IdP's JWKS instead.
 */
export async function loadOrCreateDevKey(dataDir: string): Promise<JWK> {
  const path = join(dataDir, FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
    return jwk;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return JSON.parse(readFileSync(path, 'utf8')) as JWK;
    throw error;
  }
}

/** The public half, as a JWKS the verifier (and `/.well-known/jwks.json`) can use. */
export function publicJwks(privateJwk: JWK): JSONWebKeySet {
  const { d: _private, ...publicJwk } = privateJwk;
  return { keys: [publicJwk] };
}

export interface DevTokenRequest {
  tenant: string;
  roles: Role[];
  sub?: string;
  ttlSeconds?: number;
}

export async function mintDevToken(privateJwk: JWK, request: DevTokenRequest): Promise<string> {
  const key = await importJWK(privateJwk, 'ES256');
  return new SignJWT({ tenant: request.tenant, roles: request.roles })
    .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid ?? 'dev', typ: 'JWT' })
    .setSubject(request.sub ?? `dev-${request.roles.join('-')}@${request.tenant}`)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(key);
}
