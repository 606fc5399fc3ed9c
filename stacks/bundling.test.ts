import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VALIDATED_BUNDLE_FILE } from '../policy-engine/bundle/validated-bundle.ts';
import { dev } from './config/dev.ts';
import { REPO_ROOT } from './constructs/broker-function.ts';
import { ESM_REQUIRE_BANNER } from './lambda-esbuild.ts';

/**
 * The real thing, once: `stacks/app.ts` synthesizes the dev stage the way `cdk synth` does — esbuild
 * bundling of the three functions (local esbuild, no Docker) and the cdk-nag packs (CDK's template
 * validation is left to the nag test) — into a temporary cloud assembly, in a child process with a
 * minimal environment (no AWS credentials or region). Then the bundles are checked: ESM, the policies
 * beside them, and importable in a fresh Node.js without any AWS access.
 */
const NODE = resolve(REPO_ROOT, 'node_modules/.bin/node');
const FUNCTIONS = ['Api', 'Worker', 'Reconciler'] as const;

interface Synth {
  outdir: string;
  seconds: number;
  bundles: Record<(typeof FUNCTIONS)[number], string>;
}

function synthDev(): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'hcb-cdk-bundle-'));
  const started = performance.now();
  const result = spawnSync(NODE, ['stacks/app.ts', '-c', 'stage=dev', '-o', outdir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      PATH: `${resolve(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
      HOME: process.env.HOME ?? tmpdir(),
      // CDK's CloudFormation template validation costs ~10 s and is covered by the nag test.
      CDK_VALIDATION: 'false',
    },
    timeout: 240_000,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`synth failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  const stack = `hcb-dev-regional-${dev.regions[0]!.region}`;
  const template = JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const bundles = Object.fromEntries(
    FUNCTIONS.map((fn) => {
      const [, resource] = Object.entries(template.Resources).find(([id]) =>
        id.startsWith(`Broker${fn}Function`),
      )!;
      const hash = resource.Properties.Code!.S3Key!.replace(/\.zip$/, '');
      return [fn, join(outdir, `asset.${hash}`)];
    }),
  ) as Synth['bundles'];
  return { outdir, seconds, bundles };
}

/** Lambda's view: the function's environment, no credentials, handler imported from /var/task-like dir. */
function importInFreshNode(dir: string): { ms: number; handler: string } {
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    HCB_TABLE_NAME: 'hcb-dev-broker',
    HCB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111111111111/ops',
    HCB_JWT_ISSUER: dev.idp.issuer,
    HCB_JWT_AUDIENCE: dev.idp.audience,
    HCB_JWKS_URL: dev.idp.jwksUrl,
    HCB_POLICIES_DIR: join(dir, 'policies'),
    HCB_AUDIT_CHAIN: 'us-east-1',
    HCB_OPENSTACK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:hcb/dev/openstack-AbCdEf',
    POWERTOOLS_SERVICE_NAME: 'hcb-test',
    LOG_LEVEL: 'INFO',
  };
  const script =
    "const t = performance.now(); const m = await import('./index.mjs'); " +
    'console.log(JSON.stringify({ ms: performance.now() - t, handler: typeof m.handler }));';
  const out = execFileSync(NODE, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; handler: string };
}

describe('real bundling (esbuild) of the three functions', () => {
  let synth: Synth;
  beforeAll(() => {
    synth = synthDev();
    console.log(`dev synth with esbuild bundling and cdk-nag: ${synth.seconds.toFixed(1)} s`);
  }, 240_000);

  it('finishes within a minute', () => {
    expect(synth.seconds).toBeLessThan(60);
  });

  it('bundles each function from its own entry (three assets, three different index.mjs)', () => {
    const dirs = FUNCTIONS.map((fn) => synth.bundles[fn]);
    expect(new Set(dirs).size).toBe(FUNCTIONS.length);
    const codes = dirs.map((dir) => readFileSync(join(dir, 'index.mjs'), 'utf8'));
    expect(new Set(codes).size).toBe(FUNCTIONS.length);
  });

  it.each(FUNCTIONS)('%s: ESM with the require banner, chunks beside it, the policies validated', (fn) => {
    const dir = synth.bundles[fn];
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    expect(code).not.toMatch(/\bmodule\.exports\s*=\s*__toCommonJS/);
    const chunks = readdirSync(dir).filter((name) => name.endsWith('.mjs'));
    for (const chunk of chunks)
      expect(readFileSync(join(dir, chunk), 'utf8').startsWith(ESM_REQUIRE_BANNER), chunk).toBe(true);
    expect(existsSync(join(dir, 'policies', 'targets.yaml'))).toBe(true);
    expect(existsSync(join(dir, 'policies', VALIDATED_BUNDLE_FILE))).toBe(true);
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)],
      );
    expect(files(join(dir, 'policies')).filter((f) => f.endsWith('.ts'))).toEqual([]);
    // The Cedar engine (cedar-wasm's Node build) reads its WebAssembly from beside the chunk that loads it.
    const usesCedar = chunks.some((chunk) =>
      readFileSync(join(dir, chunk), 'utf8').includes('cedar_wasm_bg.wasm'),
    );
    expect(existsSync(join(dir, 'cedar_wasm_bg.wasm'))).toBe(usesCedar);
    const bytes = chunks.reduce((sum, chunk) => sum + statSync(join(dir, chunk)).size, 0);
    console.log(`${fn}: index.mjs and ${chunks.length - 1} chunks, ${bytes} bytes`);
    expect(bytes).toBeLessThan(10 * 1024 * 1024);
  });

  it.each(FUNCTIONS)(
    '%s: imports in a fresh Node.js without AWS (the broker is built on first use)',
    (fn) => {
      const { ms, handler } = importInFreshNode(synth.bundles[fn]);
      console.log(`${fn}: import ${ms.toFixed(0)} ms`);
      expect(handler).toBe('function');
    },
  );

  it('the CDK CLI synthesizes from cdk.json, offline', {
    timeout: 240_000,
  }, () => {
    const cdk = (args: string[]) =>
      spawnSync(resolve(REPO_ROOT, 'node_modules/.bin/cdk'), args, {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: {
          PATH: `${resolve(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
          HOME: process.env.HOME ?? tmpdir(),
          CDK_DISABLE_VERSION_CHECK: '1',
        },
        timeout: 240_000,
      });
    // The pinned CLI must read the assembly aws-cdk-lib writes (aws-cdk 3.0.0 could not: schema 43 < 55).
    const probe = cdk(['ls', '--app', synth.outdir]);
    expect(probe.status, probe.stderr).toBe(0);
    const outdir = mkdtempSync(join(tmpdir(), 'hcb-cdk-cli-'));
    const result = cdk(['synth', '-c', 'stage=dev', '-o', outdir, '--quiet']);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(outdir, 'hcb-dev-data.template.json'))).toBe(true);
  });
});
