import fc from 'fast-check';
import { CLOUDS, RESOURCE_KINDS, SITES, type Target, type TargetCatalogue } from '../../core/model/target.ts';

/** Random catalogues and the names they use, for the I1 property tests (placement and flows). */
export const REGIONS = ['north', 'south', 'us-east-1', 'us-west-2', 'eu-central-1'];
export const SIZES = ['small', 'medium', 'large'];
export const TENANTS = ['mercy-clinic', 'acme-health', 'demo-research', 'demo-eu-clinic'];

export const targetArb = (id: string): fc.Arbitrary<Target> =>
  fc
    .record({
      cloud: fc.constantFrom(...CLOUDS),
      region: fc.constantFrom(...REGIONS),
      site: fc.constantFrom(...SITES),
      jurisdiction: fc.constantFrom('US', 'EU', 'CA'),
      hipaaEligible: fc.boolean(),
      encryptionAtRest: fc.boolean(),
      network: fc.option(fc.constantFrom('clinical', 'internet'), { nil: undefined }),
      kinds: fc.subarray([...RESOURCE_KINDS], { minLength: 1 }),
      sizes: fc.subarray(SIZES, { minLength: 1 }),
      preference: fc.integer({ min: 0, max: 30 }),
      cost: fc.integer({ min: 0, max: 100 }),
    })
    .map((t) => ({
      id,
      cloud: t.cloud,
      region: t.region,
      site: t.site,
      description: 'generated',
      kinds: t.kinds,
      attributes: {
        jurisdiction: t.jurisdiction,
        hipaaEligible: t.hipaaEligible,
        encryptionAtRest: t.encryptionAtRest,
        ...(t.network === undefined ? {} : { network: t.network }),
      },
      ranking: { preference: t.preference, costPerVcpuHour: t.cost / 1000 },
      sizes: Object.fromEntries(t.sizes.map((s) => [s, `${id}.${s}`])),
      images: { 'ubuntu-24.04': `${id}-ubuntu` },
      connection: {},
      ...(t.cloud === 'sandbox'
        ? {
            sandbox: {
              capacity: { vcpus: 8, ramMiB: 8192, volumeGiB: 100 },
              timings: { buildMs: 1, actionMs: 1, deleteMs: 1, volumeMs: 1 },
            },
          }
        : {}),
    }));

/** 1–8 targets: shipped ids (some keep their id, so the shipped exception can match) and new ones. */
export const catalogueArb: fc.Arbitrary<TargetCatalogue> = fc
  .uniqueArray(
    fc.constantFrom(
      'sandbox-onprem-north',
      'sandbox-onprem-south',
      'sandbox-public-east',
      'sandbox-public-west',
      'gen-a',
      'gen-b',
      'gen-c',
      'gen-d',
      'gen-e',
    ),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .chain((ids) => fc.tuple(...ids.map(targetArb)))
  .map((targets) => ({
    sizes: {
      small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 },
      medium: { vcpus: 2, ramMiB: 4096, diskGiB: 40 },
      large: { vcpus: 4, ramMiB: 8192, diskGiB: 80 },
    },
    images: { 'ubuntu-24.04': { description: 'Ubuntu' } },
    targets,
  }));
