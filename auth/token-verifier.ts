import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { BrokerError } from '../core/errors.ts';
import { type Principal, ROLES, type Role } from '../core/model/principal.ts';
import { remoteJwkSet } from './remote-jwks.ts';

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** A JWKS URL (the IdP's), or a key set held in memory (the embedded default's dev key). */
  jwks: URL | JSONWebKeySet;
  /** Tolerated clock skew in seconds. */
  clockToleranceSeconds?: number;
  /** The longest lifetime (exp − iat) a token may have; longer ones, or ones without `iat`, are refused. */
  maxLifetimeSeconds?: number;
}

const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Verifies bearer JWTs and turns their claims (`sub`, `tenant`, `roles`) into a Principal. */
export class TokenVerifier {
  readonly #keys: JWTVerifyGetKey;
  readonly #options: TokenVerifierOptions;

  constructor(options: TokenVerifierOptions) {
    this.#options = options;
    this.#keys = options.jwks instanceof URL ? remoteJwkSet(options.jwks) : createLocalJWKSet(options.jwks);
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    if (!authorization)
      throw new BrokerError('auth.missingToken', 'an Authorization: Bearer token is required');
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim());
    if (!match) throw new BrokerError('auth.invalidToken', 'the Authorization header must be "Bearer <JWT>"');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, this.#keys, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        clockTolerance: this.#options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      throw new BrokerError('auth.invalidToken', `token rejected: ${reason(error)}`, { cause: error });
    }
    const max = this.#options.maxLifetimeSeconds;
    if (max !== undefined && (payload.exp! - payload.iat! > max || payload.iat! > payload.exp!))
      throw new BrokerError('auth.invalidToken', `token rejected: it lives longer than ${max} s`);
    const { sub, tenant, roles } = payload as { sub?: unknown; tenant?: unknown; roles?: unknown };
    if (typeof sub !== 'string' || sub.length === 0)
      throw new BrokerError('auth.invalidToken', 'token has no subject');
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant))
      throw new BrokerError('auth.invalidToken', 'token has no valid tenant claim');
    const known = Array.isArray(roles) ? roles.filter((r): r is Role => ROLES.includes(r as Role)) : [];
    return { sub, tenant, roles: [...new Set(known)] };
  }
}

/** A reason safe to show: the JOSE error class, not token contents. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not acceptable`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by an unknown key';
  if (error instanceof errors.JOSEError) return error.code;
  return 'malformed';
}
