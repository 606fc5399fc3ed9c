import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { policyCommand } from '../../bin/policy-commands.ts';
import { sandboxSettingsOf, sandboxSettingsProblems } from '../../connectors/sandbox/sandbox-settings.ts';
import { parseCatalogue } from '../../core/catalogue/catalogue.ts';
import { isBrokerError } from '../../core/errors.ts';
import { cloudSettingsProblems } from '../../runtime/cloud-settings.ts';

const SHIPPED_TARGETS = join(import.meta.dirname, '../../policies/targets.yaml');

const document = (target: Record<string, unknown>) => ({
  sizes: { small: { vcpus: 1, ramMiB: 1024, diskGiB: 10 } },
  images: { base: {} },
  targets: [
    {
      id: 'one',
      region: 'r',
      site: 'onprem',
      attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
      ...target,
    },
  ],
});

/** A target's cloud-specific block is its connector's to read and check; the core only carries it. */
describe('cloud settings: out of the core, checked by their connector', () => {
  afterEach(() => vi.restoreAllMocks());

  it('carries the block named after the target’s cloud as cloudSettings, and refuses another cloud’s', () => {
    const settings = { capacity: { vcpus: 4, ramMiB: 4096, volumeGiB: 50 } };
    const [target] = parseCatalogue(document({ cloud: 'sandbox', sandbox: settings }), 't.yaml').targets;
    expect(target!.cloudSettings).toEqual(settings);
    expect(target).not.toHaveProperty('sandbox');
    try {
      parseCatalogue(document({ cloud: 'openstack', sandbox: settings }), 't.yaml');
      expect.unreachable('a sandbox block on an openstack target must be refused');
    } catch (error) {
      expect(isBrokerError(error, 'invalid') && error.message).toContain(
        'sandbox: sandbox settings on a openstack target',
      );
    }
  });

  it('the sandbox connector requires its block, checks each field, and fills in default timings', () => {
    const parse = (sandbox?: unknown) =>
      parseCatalogue(document({ cloud: 'sandbox', ...(sandbox === undefined ? {} : { sandbox }) }), 't.yaml')
        .targets[0]!;
    expect(sandboxSettingsProblems(parse())).toEqual([
      'sandbox: the sandbox block (capacity, timings) is required',
    ]);
    expect(sandboxSettingsProblems(parse({ capacity: { vcpus: 0, ramMiB: 1, volumeGiB: 1 } }))).toEqual([
      expect.stringMatching(/^sandbox\.capacity\.vcpus: /),
    ]);
    expect(() => sandboxSettingsOf(parse())).toThrow(/target one: sandbox: the sandbox block/);
    const valid = parse({ capacity: { vcpus: 2, ramMiB: 2048, volumeGiB: 20 } });
    expect(sandboxSettingsOf(valid).timings).toEqual({
      buildMs: 1500,
      actionMs: 500,
      deleteMs: 500,
      volumeMs: 300,
    });
    expect(cloudSettingsProblems({ sizes: {}, images: {}, targets: [valid] })).toEqual([]);
  });

  it('clouds without settings take no block', () => {
    const target = parseCatalogue(document({ cloud: 'aws', aws: { anything: 1 } }), 't.yaml').targets[0]!;
    expect(cloudSettingsProblems({ sizes: {}, images: {}, targets: [target] })).toEqual([
      'target one: aws: aws targets take no settings block',
    ]);
  });

  it('`hcb policy validate` reports a broken sandbox block as the broker’s start-up would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcb-cloud-settings-'));
    const broken = join(dir, 'targets.yaml');
    const shipped = readFileSync(SHIPPED_TARGETS, 'utf8');
    writeFileSync(broken, shipped.replace(/capacity: \{ vcpus: 64,/, 'capacity: { vcpus: -1,'));
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => errors.push(String(text)) > 0);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await policyCommand(['validate', '--targets', SHIPPED_TARGETS])).toBe(0);
    expect(await policyCommand(['validate', '--targets', broken])).toBe(1);
    expect(errors.join('')).toMatch(/targets\.yaml: target sandbox-onprem-north: sandbox\.capacity\.vcpus: /);
  });
});
