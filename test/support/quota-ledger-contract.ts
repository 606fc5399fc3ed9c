import fc from 'fast-check';
import { expect } from 'vitest';
import { isBrokerError } from '../../core/errors.ts';
import type { Site } from '../../core/model/target.ts';
import type { QuotaLimits } from '../../core/ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaDemand } from '../../core/ports/quotas.ts';
import type { QuotaStore } from '../../persistence/quota-store.ts';

const SIZES: QuotaDemand[] = [
  { instances: 1, vcpus: 1, ramMiB: 2048 },
  { instances: 1, vcpus: 2, ramMiB: 4096 },
  { instances: 1, vcpus: 4, ramMiB: 8192 },
];

/** Defaults for the contract: roomy, so each case's own limits are what matter. */
export const CONTRACT_DEFAULTS: QuotaLimits = {
  onprem: {
    instances: 50,
    vcpus: 200,
    ramMiB: 400_000,
    volumes: 50,
    volumeGiB: 5000,
    snapshots: 50,
    buckets: 10,
  },
  public: {
    instances: 50,
    vcpus: 200,
    ramMiB: 400_000,
    volumes: 50,
    volumeGiB: 5000,
    snapshots: 50,
    buckets: 10,
  },
};

/** N parallel reservations against a limit of K: exactly K succeed, the rest are quota.exceeded. */
export async function exactlyKOfN(ledger: QuotaStore, tenant: string, k: number, n: number): Promise<void> {
  await ledger.setLimits(tenant, { onprem: { instances: k } });
  const outcomes = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      ledger.reserve(tenant, 'onprem', {
        resourceId: `vm-${tenant}-${i}`,
        operationId: `op-${i}`,
        demand: SIZES[0]!,
      }),
    ),
  );
  const refused = outcomes.filter((o) => o.status === 'rejected');
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(k);
  for (const r of refused) expect(isBrokerError((r as PromiseRejectedResult).reason, 'exceeded')).toBe(true);
  const view = await ledger.view(tenant);
  expect(view.onprem.reserved.instances).toBe(k);
  expect(view.onprem.reserved.vcpus).toBe(k);
}

interface Live {
  tenant: string;
  site: Site;
  demand: QuotaDemand;
  state: 'reserved' | 'used';
}

const action = fc.record({
  kind: fc.constantFrom('create', 'create', 'confirm', 'resize', 'delete', 'fail'),
  tenant: fc.nat(2),
  site: fc.constantFrom<Site>('onprem', 'public'),
  size: fc.nat(2),
  pick: fc.nat(),
  /** Creates run this many at once; other steps run this many times (a retried step). */
  copies: fc.integer({ min: 1, max: 3 }),
});
const limits = fc.record({ instances: fc.nat(5), vcpus: fc.nat(12), ramMiB: fc.nat(24_576) });

/**
 * Random create / confirm / resize / delete / fail sequences across three tenants, creates in parallel
 * and other steps retried: after every step `used` and `reserved` equal the sums over live resources
 * (the model), and no total is ever over its limit.
 */
export async function randomSequencesKeepTheBooks(ledger: QuotaStore, runs: number): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(limits, { minLength: 3, maxLength: 3 }),
      fc.array(action, { maxLength: 30 }),
      async (tenantLimits, actions) => {
        run += 1;
        const tenants = tenantLimits.map((_, i) => `prop-${run}-${i}-${Date.now()}`);
        for (const [i, t] of tenants.entries())
          await ledger.setLimits(t, { onprem: tenantLimits[i]!, public: tenantLimits[i]! });
        const live = new Map<string, Live>();
        let seq = 0;
        for (const a of actions) {
          const tenant = tenants[a.tenant]!;
          const mine = [...live].filter(([, l]) => l.tenant === tenant);
          const [id, found] = mine[a.pick % Math.max(1, mine.length)] ?? [];
          const repeat = async (step: () => Promise<unknown>) => {
            for (let i = 0; i < a.copies; i++) await step();
          };
          if (a.kind === 'create') {
            const ids = Array.from({ length: a.copies }, () => `vm-${++seq}`);
            const demand = SIZES[a.size]!;
            const results = await Promise.allSettled(
              ids.map((rid) =>
                ledger.reserve(tenant, a.site, { resourceId: rid, operationId: `op-${rid}`, demand }),
              ),
            );
            results.forEach((r, i) => {
              if (r.status === 'fulfilled')
                live.set(ids[i]!, { tenant, site: a.site, demand, state: 'reserved' });
              else expect(isBrokerError(r.reason, 'exceeded'), String(r.reason)).toBe(true);
            });
          } else if (id && found) {
            if (a.kind === 'confirm' && found.state === 'reserved') {
              await repeat(() => ledger.confirm(tenant, found.site, id));
              found.state = 'used';
            } else if (a.kind === 'fail' && found.state === 'reserved') {
              await repeat(() => ledger.release(tenant, id));
              live.delete(id);
            } else if (a.kind === 'delete') {
              await repeat(() => ledger.release(tenant, id));
              live.delete(id);
            } else if (a.kind === 'resize') {
              const demand = SIZES[a.size]!;
              try {
                await repeat(() => ledger.change(tenant, found.site, id, demand));
                found.demand = demand;
              } catch (error) {
                expect(isBrokerError(error, 'exceeded'), String(error)).toBe(true);
              }
            }
          }
          await expectBooksBalanced(ledger, tenants, tenantLimits, live);
        }
      },
    ),
    { numRuns: runs },
  );
}

async function expectBooksBalanced(
  ledger: QuotaStore,
  tenants: string[],
  tenantLimits: { instances: number; vcpus: number; ramMiB: number }[],
  live: Map<string, Live>,
): Promise<void> {
  for (const [i, tenant] of tenants.entries()) {
    const view = await ledger.view(tenant);
    for (const site of ['onprem', 'public'] as const) {
      for (const r of QUOTA_RESOURCES) {
        const sum = (state: Live['state']) =>
          [...live.values()]
            .filter((l) => l.tenant === tenant && l.site === site && l.state === state)
            .reduce((s, l) => s + (l.demand[r] ?? 0), 0);
        expect(view[site].used[r], `${tenant} ${site} used ${r}`).toBe(sum('used'));
        expect(view[site].reserved[r], `${tenant} ${site} reserved ${r}`).toBe(sum('reserved'));
        const limit = (tenantLimits[i] as Record<string, number>)[r] ?? CONTRACT_DEFAULTS[site][r];
        expect(view[site].used[r] + view[site].reserved[r]).toBeLessThanOrEqual(limit);
      }
    }
  }
}
