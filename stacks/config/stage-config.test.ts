import { describe, expect, it } from 'vitest';
import { dev } from './dev.ts';
import { prod } from './prod.ts';
import { type StageConfig, stageConfigProblems } from './stage-config.ts';
import { STAGES, stageConfig } from './stages.ts';

describe('stage configs', () => {
  it.each(Object.entries(STAGES))('%s is valid', (_name, config) => {
    expect(stageConfigProblems(config)).toEqual([]);
  });

  it('dev and prod both run in at least two regions, primary among them', () => {
    for (const config of [dev, prod]) {
      expect(config.regions.length).toBeGreaterThanOrEqual(2);
      expect(config.regions.map((r) => r.region)).toContain(config.primaryRegion);
    }
  });

  it('is chosen by name, and an unknown or missing stage is an error', () => {
    expect(stageConfig('dev')).toBe(dev);
    expect(() => stageConfig('qa')).toThrow(/unknown stage "qa"/);
    expect(() => stageConfig(undefined)).toThrow(/-c stage=/);
  });

  const broken = (patch: (c: StageConfig) => StageConfig) => stageConfigProblems(patch(structuredClone(dev)));

  it('rejects a single region, a primary outside the regions, and overlapping networks', () => {
    expect(broken((c) => ({ ...c, regions: c.regions.slice(0, 1) }))).toContainEqual(
      expect.stringMatching(/at least two regions/),
    );
    expect(broken((c) => ({ ...c, primaryRegion: 'eu-west-1' }))).toContainEqual(
      expect.stringMatching(/primaryRegion eu-west-1/),
    );
    expect(
      broken((c) => ({ ...c, regions: [{ ...c.regions[0]!, vpcCidr: '10.10.128.0/20' }, c.regions[1]!] })),
    ).toContainEqual(expect.stringMatching(/VPC us-east-1 10.10.128.0\/20 overlaps site dc1 10.10.0.0\/16/));
  });

  it('rejects private VPN gateway addresses, bad zones, names outside the zone and odd retention', () => {
    const site = dev.hospital.sites[0]!;
    expect(
      broken((c) => ({ ...c, hospital: { ...c.hospital, sites: [{ ...site, gatewayIp: '10.1.1.1' }] } })),
    ).toContainEqual(expect.stringMatching(/public IPv4/));
    expect(
      broken((c) => ({
        ...c,
        regions: [{ ...c.regions[0]!, availabilityZones: ['us-west-2a', 'us-west-2b'] }, c.regions[1]!],
      })),
    ).toContainEqual(expect.stringMatching(/must be zones of us-east-1/));
    expect(broken((c) => ({ ...c, api: { ...c.api, domainName: 'api.example.org' } }))).toContainEqual(
      expect.stringMatching(/must be inside/),
    );
    expect(
      broken((c) => ({ ...c, observability: { ...c.observability, logRetentionDays: 100 } })),
    ).toContainEqual(expect.stringMatching(/logRetentionDays/));
  });

  it("keeps the API function within API Gateway's 29 s and the worker event source at ≥ 2", () => {
    expect(
      broken((c) => ({
        ...c,
        functions: { ...c.functions, api: { ...c.functions.api, timeoutSeconds: 60 } },
      })),
    ).toContainEqual(expect.stringMatching(/≤ 29/));
    expect(
      broken((c) => ({
        ...c,
        functions: { ...c.functions, worker: { ...c.functions.worker, reservedConcurrency: 1 } },
      })),
    ).toContainEqual(expect.stringMatching(/worker concurrency ≥ 2/));
  });
});
