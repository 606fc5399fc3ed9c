import { createHash, randomBytes } from 'node:crypto';

/** Why a console token was refused: never issued (or long forgotten), already opened once, or too old. */
export type ConsoleRefusal = 'unknown' | 'used' | 'expired';

export type ConsoleRedemption = { ok: true; serverId: string } | { ok: false; refusal: ConsoleRefusal };

interface IssuedToken {
  serverId: string;
  expiresAt: number;
  used: boolean;
}

/**
 * The sandbox console's one-time tokens, as Nova's console auth keeps them: each opens the page once,
 * within its time to live. Only a SHA-256 of each token is kept (in memory: a restart forgets every
 * token, which only refuses links that were about to expire anyway), so neither the state file nor a
 * memory dump hands out a usable link, and a token never needs to be logged to be checked.
 */
export class SandboxConsoleTokens {
  readonly #issued = new Map<string, IssuedToken>();
  readonly #now: () => number;
  readonly #ttlMs: () => number;

  constructor(now: () => number, ttlMs: () => number) {
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  issue(serverId: string): { token: string; expiresAt: number } {
    this.#prune();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.#now() + this.#ttlMs();
    this.#issued.set(digest(token), { serverId, expiresAt, used: false });
    return { token, expiresAt };
  }

  /** Spends the token: the first call within its lifetime opens the console, every later one is refused. */
  redeem(token: string): ConsoleRedemption {
    const issued = this.#issued.get(digest(token));
    if (!issued) return { ok: false, refusal: 'unknown' };
    if (issued.used) return { ok: false, refusal: 'used' };
    if (this.#now() >= issued.expiresAt) return { ok: false, refusal: 'expired' };
    issued.used = true;
    return { ok: true, serverId: issued.serverId };
  }

  /** Forgets tokens one lifetime past their expiry (until then a reuse is still told apart from a typo). */
  #prune(): void {
    const horizon = this.#now() - this.#ttlMs();
    for (const [key, issued] of this.#issued) if (issued.expiresAt < horizon) this.#issued.delete(key);
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
