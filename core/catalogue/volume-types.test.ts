import { describe, expect, it } from 'vitest';
import { canHost, parseCatalogue } from './catalogue.ts';
import type { CatalogueInput } from './catalogue-schema.ts';
import { cloudVolumeType, listVolumeTypes, volumeTypesOf } from './volume-types.ts';

const target = (id: string, volumeTypes?: Record<string, string>) => ({
  id,
  cloud: 'sandbox' as const,
  region: 'r',
  site: 'onprem' as const,
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ...(volumeTypes ? { volumeTypes } : {}),
});

const document = (
  extra: Partial<CatalogueInput>,
  targets = [target('ta'), target('tb')],
): CatalogueInput => ({
  sizes: {},
  images: {},
  targets,
  ...extra,
});

describe('volume types in the catalogue', () => {
  it('offers standard alone, as the cloud default, where a catalogue names no types', () => {
    const catalogue = parseCatalogue(document({}), 't.yaml');
    const [a] = catalogue.targets;
    expect(volumeTypesOf(a!)).toEqual({ standard: null });
    expect(cloudVolumeType(a!, 'standard')).toBeUndefined();
    expect(canHost(a!, 'volume', undefined, undefined, 'standard')).toBe(true);
    expect(canHost(a!, 'volume', undefined, undefined, 'ssd')).toBe(false);
    expect(listVolumeTypes(catalogue)).toEqual([
      {
        name: 'standard',
        description: 'general-purpose block storage',
        targets: [
          { targetId: 'ta', cloud: 'sandbox', site: 'onprem', region: 'r', volumeType: null },
          { targetId: 'tb', cloud: 'sandbox', site: 'onprem', region: 'r', volumeType: null },
        ],
      },
    ]);
  });

  it('maps each logical type per target; a target offers only what it maps', () => {
    const catalogue = parseCatalogue(
      document({ volumeTypes: { standard: {}, ssd: { description: 'fast' } } }, [
        target('ta', { standard: '__DEFAULT__', ssd: 'ssd' }),
        target('tb', { standard: 'gp3' }),
      ]),
      't.yaml',
    );
    const [a, b] = catalogue.targets;
    expect(cloudVolumeType(a!, 'ssd')).toBe('ssd');
    expect(canHost(b!, 'volume', undefined, undefined, 'ssd')).toBe(false);
    expect(listVolumeTypes(catalogue).map((t) => [t.name, t.targets.map((x) => x.volumeType)])).toEqual([
      ['ssd', ['ssd']],
      ['standard', ['__DEFAULT__', 'gp3']],
    ]);
  });

  it('refuses a target mapping an unknown type, and a catalogue without standard', () => {
    expect(() =>
      parseCatalogue(document({}, [target('ta', { standard: 'x', nvme: 'y' })]), 't.yaml'),
    ).toThrow(/targets\.0\.volumeTypes\.nvme: unknown logical volume type nvme/);
    expect(() => parseCatalogue(document({ volumeTypes: { ssd: {} } }), 't.yaml')).toThrow(
      /volumeTypes: must list standard/,
    );
  });
});
