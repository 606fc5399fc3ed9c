import { describe, expect, it } from 'vitest';
import type { PlacementRequest } from '../model/placement.ts';
import type { Site, Target, TargetCatalogue } from '../model/target.ts';
import type { PlacementVerdicts, TargetVerdict } from '../ports/placement-verdicts.ts';
import type { QuotaDemand, QuotaHeadroom } from '../ports/quotas.ts';
import { ALWAYS_HEALTHY } from '../ports/target-health.ts';
import { PlacementService } from './placement-service.ts';

const target = (id: string, site: Site, preference: number): Target => ({
  id,
  cloud: 'sandbox',
  region: 'north',
  site,
  description: '',
  kinds: ['vm', 'volume'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference, costPerVcpuHour: 0 },
  sizes: { small: 's' },
  images: {},
  connection: {},
});

const catalogue: TargetCatalogue = {
  sizes: { small: { vcpus: 2, ramMiB: 4096, diskGiB: 20 } },
  images: {},
  targets: [
    target('onprem-a', 'onprem', 9),
    target('public-b', 'public', 5),
    target('denied-c', 'public', 7),
  ],
};

/** Permits every target but `denied-c`, and counts the calls: one per decision, whatever the candidates. */
function verdictsOf(): PlacementVerdicts & { calls: number } {
  return {
    bundleHash: 'hash-1',
    engine: 'test',
    calls: 0,
    verdicts(_request: PlacementRequest, targets: readonly Target[]): TargetVerdict[] {
      this.calls += 1;
      return targets.map((t) =>
        t.id === 'denied-c'
          ? { allowed: false, policies: ['p.deny'], reasons: ['denied'] }
          : { allowed: true, policies: ['p.permit'], reasons: [] },
      );
    },
  };
}

const request: PlacementRequest = {
  principal: { sub: 'app-1', tenant: 'mercy-clinic', roles: ['app'] },
  kind: 'vm',
  classification: 'internal',
  size: 'small',
};
const clock = { now: () => new Date('2025-03-01T12:00:00Z') };

describe('PlacementService', () => {
  it('asks the engine once for all candidates and ranks only the permitted', async () => {
    const verdicts = verdictsOf();
    const service = new PlacementService({ catalogue, verdicts, health: ALWAYS_HEALTHY, clock });
    const decision = await service.decide(request);
    expect(verdicts.calls).toBe(1);
    expect(decision).toMatchObject({
      engine: 'test',
      bundleHash: 'hash-1',
      chosen: { targetId: 'onprem-a' },
    });
    expect(decision.candidates.map((c) => [c.targetId, c.permitted, c.rank])).toEqual([
      ['onprem-a', true, 1],
      ['public-b', true, 2],
      ['denied-c', false, undefined],
    ]);
  });

  it('ranks a target whose site has no quota room after those with room, keeping it permitted', async () => {
    const asked: [string, QuotaDemand][] = [];
    const quotas: QuotaHeadroom = {
      sitesWithRoom: async (tenant, demand) => {
        asked.push([tenant, demand]);
        return new Set<Site>(['public']);
      },
    };
    const service = new PlacementService({
      catalogue,
      verdicts: verdictsOf(),
      health: ALWAYS_HEALTHY,
      clock,
      quotas,
    });
    const decision = await service.decide(request);
    expect(asked).toEqual([['mercy-clinic', { instances: 1, vcpus: 2, ramMiB: 4096 }]]);
    expect(decision.chosen?.targetId).toBe('public-b');
    expect(decision.candidates.map((c) => [c.targetId, c.permitted, c.rank])).toEqual([
      ['public-b', true, 1],
      ['onprem-a', true, 2],
      ['denied-c', false, undefined],
    ]);
  });

  it('never lets quota room promote a denied target', async () => {
    const quotas: QuotaHeadroom = { sitesWithRoom: async () => new Set<Site>() };
    const service = new PlacementService({
      catalogue,
      verdicts: verdictsOf(),
      health: ALWAYS_HEALTHY,
      clock,
      quotas,
    });
    const decision = await service.decide({ ...request, kind: 'volume', size: undefined });
    expect(decision.chosen?.targetId).toBe('onprem-a');
    expect(decision.candidates.find((c) => c.targetId === 'denied-c')?.permitted).toBe(false);
  });
});
