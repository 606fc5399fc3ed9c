import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import { CircuitBreakerHealth } from '../placement/circuit-breaker.ts';
import { type CreateOnTarget, lookupThenCreate } from './create-on-target.ts';
import type { StepContext, WorkerDeps } from './step.ts';

const candidate = (targetId: string, rank: number) => ({
  targetId,
  cloud: 'sandbox' as const,
  region: 'r',
  site: 'onprem' as const,
  permitted: true,
  policies: [],
  reasons: [],
  rank,
});
const decision: PlacementDecision = {
  candidates: [candidate('a', 1), candidate('b', 2)],
  bundleHash: 'h',
  engine: 'test',
  decidedAt: '2026-01-01T00:00:00Z',
};

function context(createSentTo?: string[]) {
  const events: string[] = [];
  const health = new CircuitBreakerHealth({ now: () => new Date() }, undefined, { threshold: 1 });
  const op = { id: 'op-1', triedTargets: [], placement: decision, ...(createSentTo ? { createSentTo } : {}) };
  const ctx = {
    op: op as unknown as Operation,
    deps: { health } as unknown as WorkerDeps,
    checkpoint: async () => {
      events.push(`checkpoint ${JSON.stringify(ctx.op.createSentTo)}`);
    },
  } satisfies StepContext;
  return { ctx, events, health };
}

const fail = (code: string) => () => Promise.reject(new BrokerError(code, code));
const spec = (over: Partial<CreateOnTarget<string>>, events?: string[]): CreateOnTarget<string> => ({
  targetId: 'a',
  lookup: async () => undefined,
  create: async () => {
    events?.push('create');
    return 'new';
  },
  ...over,
});

describe('lookupThenCreate', () => {
  it('records the target before the create goes out', async () => {
    const { ctx, events } = context();
    expect(await lookupThenCreate(ctx, spec({}, events))).toEqual({ type: 'created', resource: 'new' });
    expect(events).toEqual(['checkpoint ["a"]', 'create']);
  });

  it('leaves a target it cannot reach when no create was sent there, and opens its circuit', async () => {
    const { ctx, health } = context();
    const attempt = await lookupThenCreate(ctx, spec({ lookup: fail('x.unavailable') }));
    expect(attempt).toMatchObject({ type: 'leave', reason: 'x.unavailable: x.unavailable' });
    expect(health.state('a')).toBe('open');
  });

  it('stays (throws, to retry there) when a create may be pending on the unreachable target', async () => {
    const { ctx } = context(['a']);
    await expect(lookupThenCreate(ctx, spec({ lookup: fail('x.unavailable') }))).rejects.toThrow(
      'x.unavailable',
    );
  });

  it('leaves after a definite refusal and forgets the target', async () => {
    const { ctx } = context();
    expect(await lookupThenCreate(ctx, spec({ create: fail('x.capacity') }))).toMatchObject({
      type: 'leave',
    });
    expect(ctx.op.createSentTo).toEqual([]);
  });

  it('adopts what an ambiguous create made', async () => {
    let made = false;
    const { ctx } = context();
    const attempt = await lookupThenCreate(
      ctx,
      spec({
        lookup: async () => (made ? 'made' : undefined),
        create: async () => {
          made = true;
          throw new BrokerError('x.unavailable', '503 after creating');
        },
      }),
    );
    expect(attempt).toEqual({ type: 'found', resource: 'made' });
    expect(ctx.op.createSentTo).toEqual(['a']);
  });

  it('after an ambiguous failure, leaves only if the lookup shows nothing and the cloud refused', async () => {
    const refused = context();
    expect(await lookupThenCreate(refused.ctx, spec({ create: fail('x.unavailable') }))).toMatchObject({
      type: 'leave',
    });
    const timedOut = context();
    await expect(lookupThenCreate(timedOut.ctx, spec({ create: fail('x.timeout') }))).rejects.toThrow();
    const unknown = context();
    let lookups = 0;
    await expect(
      lookupThenCreate(
        unknown.ctx,
        spec({
          lookup: async () => {
            lookups += 1;
            if (lookups > 1) throw new BrokerError('x.unavailable', 'down');
            return undefined;
          },
          create: fail('x.unavailable'),
        }),
      ),
    ).rejects.toThrow();
    expect(unknown.ctx.op.createSentTo).toEqual(['a']);
  });

  it('skips a target known to be down while another permitted one is untried, without calling it', async () => {
    const { ctx, health } = context();
    await health.recordFailure('a', 'x.unavailable');
    const attempt = await lookupThenCreate(ctx, spec({ lookup: fail('never called') }));
    expect(attempt).toMatchObject({ type: 'leave', reason: expect.stringContaining('circuit open') });
    ctx.op.triedTargets.push('b');
    await expect(lookupThenCreate(ctx, spec({ lookup: fail('x.invalidRequest') }))).rejects.toThrow(
      'x.invalidRequest',
    );
  });
});
