import { describe, expect, it } from 'vitest';
import type { PlacementDecision } from '../model/placement.ts';
import type { Target, TargetCatalogue } from '../model/target.ts';
import { noTargetError } from './no-target-error.ts';

const target: Target = {
  id: 'onprem-a',
  cloud: 'sandbox',
  region: 'north',
  site: 'onprem',
  description: '',
  kinds: ['vm', 'volume', 'bucket'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: {},
  images: {},
  connection: {},
};
const catalogue: TargetCatalogue = { sizes: {}, images: {}, targets: [target] };
const decided = (permitted: boolean): PlacementDecision => ({
  candidates: [
    {
      targetId: 'onprem-a',
      cloud: 'sandbox',
      region: 'north',
      site: 'onprem',
      permitted,
      policies: ['place.phi-onprem-only'],
      reasons: ['r'],
    },
  ],
  bundleHash: 'hash-1',
  engine: 'cedar',
  decidedAt: '2025-01-01T00:00:00.000Z',
});

describe('noTargetError', () => {
  it.each(['vm', 'volume', 'bucket'] as const)(
    'is the same refusal for a %s, bundle hash included',
    (kind) => {
      const error = noTargetError(decided(false), catalogue, kind, 'phi', 'south');
      expect(error.code).toBe('placement.noPermittedTarget');
      expect(error.message).toMatch(/^policy permits no target in the requested region south for a phi /);
      expect(error.details).toEqual({
        classification: 'phi',
        region: 'south',
        policies: ['place.phi-onprem-only'],
        candidates: [{ targetId: 'onprem-a', permitted: false, policies: ['place.phi-onprem-only'] }],
        bundleHash: 'hash-1',
      });
    },
  );

  it('says no candidate when no target can host the workload, and how many host the kind at all', () => {
    const none = { ...decided(false), candidates: [] };
    const error = noTargetError(none, catalogue, 'volume', 'internal', undefined);
    expect(error.code).toBe('placement.noCandidate');
    expect(error.message).toBe('no target can host this volume (1 host volumes at all)');
    expect(error.details).toMatchObject({ bundleHash: 'hash-1', candidates: [] });
  });
});
