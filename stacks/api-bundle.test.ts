import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleProbe, startBundleProbe } from '../test/support/lambda-bundle-probe.ts';
import { API_START_BUDGET_BYTES, bundleFunction, type FunctionBundle } from './lambda-esbuild.ts';

/**
 * The API function as deployed (stacks/lambda-esbuild.ts, the settings the CDK stacks use): what a cold
 * start loads stays within its budget, and the built bundle answers in a fresh Node.js. Sizes, not
 * times: `npm run bench:cold` measures the start.
 */
describe('the API function bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcb-api-bundle-'));
  let bundle: FunctionBundle;
  let probe: BundleProbe;
  beforeAll(async () => {
    [bundle, probe] = await Promise.all([bundleFunction('api', dir), startBundleProbe()]);
  }, 180_000);
  afterAll(async () => {
    await probe?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`loads at most ${API_START_BUDGET_BYTES / 1024} KiB of JavaScript at start`, () => {
    console.log(`API: ${bundle.startBytes} bytes at start (${bundle.startFiles.length} files)`);
    expect(bundle.startBytes).toBeLessThanOrEqual(API_START_BUDGET_BYTES);
  });

  it('leaves every cloud connector, the S3, SQS and Secrets Manager clients and what few routes need to first use', () => {
    const late = [
      // Quotas and rates come validated from the build (runtime/validated-config.ts), as the policies do.
      '/node_modules/yaml/',
      '/node_modules/cron-parser/',
      '/node_modules/luxon/',
      '@aws-lambda-powertools/idempotency/',
      '@aws-lambda-powertools/jmespath/',
      'policy-engine/policy-tests/',
      'connectors/aws/',
      'connectors/openstack/',
      'connectors/sandbox/sandbox-provider.ts',
      '@aws-sdk/client-ec2/',
      '@aws-sdk/client-s3/',
      '@aws-sdk/client-sqs/',
      '@aws-sdk/client-secrets-manager/',
    ];
    for (const path of late)
      expect(
        bundle.startInputs.filter((input) => input.includes(path)),
        path,
      ).toEqual([]);
    // They are in the bundle all the same, for when they are needed.
    expect(bundle.totalJsBytes).toBeGreaterThan(bundle.startBytes + 500 * 1024);
  });

  it("carries zod's English messages only", () => {
    const locales = Object.values(bundle.metafile.outputs).flatMap((out) =>
      Object.keys(out.inputs).filter((input) => input.includes('/zod/v4/locales/')),
    );
    expect(locales.map((input) => input.split('/').pop())).toEqual(['en.js']);
  });

  it('answers GET /healthz, an authenticated GET /v1/vms and a placement in a fresh Node.js', async () => {
    const result = await probe.run(dir, [
      { method: 'GET', path: '/healthz', authenticated: false },
      { method: 'GET', path: '/v1/vms', authenticated: true },
      { method: 'GET', path: '/v1/vms', authenticated: false },
      // Its policy sets parsed and rewritten on this first use (the build validated them).
      {
        method: 'POST',
        path: '/v1/placements/simulate',
        authenticated: true,
        body: { kind: 'vm', classification: 'phi', size: 'small' },
      },
    ]);
    expect(result.statuses).toEqual([200, 200, 401, 200]);
    expect(JSON.parse(result.bodies[1]!)).toEqual({ items: [] });
    // A phi workload stays on-prem (I1), decided by the shipped placement policies.
    expect(result.bodies[3]).toMatch(
      /"chosen":\{"targetId":"[^"]+","cloud":"sandbox","region":"[^"]+","site":"onprem"/,
    );
  }, 60_000);
});
