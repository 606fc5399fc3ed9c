import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** What the bundles and templates are made of: a change in any of these means a new synth. */
const INPUTS = [
  'functions',
  'runtime',
  'core',
  'connectors',
  'persistence',
  'policy-engine',
  'auth',
  'api',
  'policies',
  'stacks',
  'package-lock.json',
  'cdk.json',
];
const STAMP = '.hcb-source-hash';

/**
 * The cloud assembly `cdk synth` writes — the same app (`stacks/app.ts`), local esbuild bundling, no
 * Docker — into `outdir`, skipped when the sources it is made of have not changed since the last synth
 * there (a synth takes ~30 s on a small machine). Returns whether it synthesised.
 */
export function synthesise(outdir: string, stage: string): { synthesised: boolean; seconds: number } {
  const hash = sourceHash();
  const stamp = join(outdir, STAMP);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return { synthesised: false, seconds: 0 };
  const started = performance.now();
  const result = spawnSync(process.execPath, ['stacks/app.ts', '-c', `stage=${stage}`, '-o', outdir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '/tmp',
      // CloudFormation template validation is the nag test's job; it costs ~10 s here.
      CDK_VALIDATION: 'false',
    },
    timeout: 300_000,
  });
  if (result.status !== 0)
    throw new Error(`cdk synth failed (${result.status}):\n${result.stderr}${result.stdout}`);
  writeFileSync(stamp, hash);
  return { synthesised: true, seconds: (performance.now() - started) / 1000 };
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name !== 'node_modules') walk(join(path, name));
    } else if (!path.endsWith('.test.ts')) {
      hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const input of INPUTS) walk(join(ROOT, input));
  return hash.digest('hex');
}
