import { describe, expect, it } from 'vitest';
import { SandboxConsoleTokens } from './sandbox-console.ts';

describe('sandbox console tokens', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('opens once within its time to live, then refuses the same token', () => {
    const c = clock();
    const tokens = new SandboxConsoleTokens(c.now, () => 60_000);
    const { token, expiresAt } = tokens.issue('server-1');
    expect(expiresAt).toBe(1_060_000);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.redeem(token)).toEqual({ ok: true, serverId: 'server-1' });
    expect(tokens.redeem(token)).toEqual({ ok: false, refusal: 'used' });
  });

  it('refuses a token once its time to live is over, and one never issued', () => {
    const c = clock();
    const tokens = new SandboxConsoleTokens(c.now, () => 60_000);
    const { token } = tokens.issue('server-1');
    c.advance(60_000);
    expect(tokens.redeem(token)).toEqual({ ok: false, refusal: 'expired' });
    expect(tokens.redeem(`${token.slice(0, -1)}x`)).toEqual({ ok: false, refusal: 'unknown' });
  });

  it('gives each console its own token, and one does not open another', () => {
    const tokens = new SandboxConsoleTokens(clock().now, () => 60_000);
    const a = tokens.issue('server-1');
    const b = tokens.issue('server-1');
    expect(a.token).not.toBe(b.token);
    expect(tokens.redeem(a.token).ok).toBe(true);
    expect(tokens.redeem(b.token).ok).toBe(true);
  });

  it('forgets long-expired tokens (then they are unknown, still refused)', () => {
    const c = clock();
    const tokens = new SandboxConsoleTokens(c.now, () => 1_000);
    const old = tokens.issue('server-1').token;
    c.advance(5_000);
    tokens.issue('server-2');
    expect(tokens.redeem(old)).toEqual({ ok: false, refusal: 'unknown' });
  });
});
