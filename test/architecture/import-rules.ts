import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * The parts of the repository (docs/architecture.md) and what each may import. A part is a top-level
 * folder; `connectors` counts each cloud's folder as its own part, so connectors cannot lean on each other.
 */
export const PARTS = [
  'core',
  'connectors',
  'persistence',
  'policy-engine',
  'auth',
  'api',
  'runtime',
  'functions',
  'bin',
  'stacks',
  'bench',
  'portal',
  'test',
] as const;
export type Part = (typeof PARTS)[number];

/** Which parts each part's production code may import (its own part always). */
export const MAY_IMPORT: Record<Part, readonly Part[]> = {
  core: [],
  connectors: ['core'],
  persistence: ['core'],
  'policy-engine': ['core'],
  auth: ['core'],
  api: ['core', 'auth'],
  runtime: ['core', 'connectors', 'persistence', 'policy-engine', 'auth', 'api', 'portal'],
  // Thin entry points: they compose through the runtime and may name the core's types.
  functions: ['core', 'runtime'],
  bin: ['core', 'policy-engine', 'auth', 'runtime'],
  // The stacks read the table layout (names, keys) and the core's metric names (dashboards and alarms
  // watch the names the broker emits), nothing else of the broker.
  stacks: ['core', 'persistence'],
  // Benchmarks are harnesses, never bundled: they drive the parts the way the tests do.
  bench: ['core', 'connectors', 'persistence', 'policy-engine', 'auth', 'api', 'runtime', 'stacks', 'test'],
  portal: [],
  test: [...PARTS],
};

/**
 * Packages the core may use: none that talks to a cloud, serves HTTP, stores data or evaluates policy;
 * those belong to the adapters around it. ipaddr.js parses addresses (a pure function library, no I/O).
 */
export const CORE_PACKAGES: readonly string[] = ['zod', 'ulid', 'ipaddr.js'];

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const SKIPPED = new Set(['node_modules', '.git', 'cdk.out', 'dist', 'coverage']);

/** Every .ts file of the repository (the portal's own package aside), relative to `root`. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (relative(root, path) === join('portal', 'app')) continue;
        walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        files.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return files.sort();
}

/** The module specifiers a file imports or re-exports, static or dynamic, as TypeScript reads them. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** Test code: under `test/` or a `*.test.ts` beside the code. Production code never imports it. */
export function isTestCode(file: string): boolean {
  return file.startsWith('test/') || file.endsWith('.test.ts');
}

/**
 * The portal package's build scripts: they start the broker to print its OpenAPI document (the source of the
 * typed client), so they may read the broker like a benchmark does; the portal's app code may not.
 */
function isPortalTooling(file: string): boolean {
  return file.startsWith('portal/scripts/');
}

/** Code that may use test code: tests and the benchmarks. */
function mayUseTestCode(file: string): boolean {
  return isTestCode(file) || file.startsWith('bench/');
}

function partOf(file: string): { part: Part | undefined; unit: string } {
  const [top, sub] = file.split('/');
  const part = (PARTS as readonly string[]).includes(top!) ? (top as Part) : undefined;
  return {
    part,
    unit: part === 'connectors' && sub !== undefined && !sub.endsWith('.ts') ? `${top}/${sub}` : top!,
  };
}

function packageName(specifier: string): string {
  const [first, second] = specifier.split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

/** What `file` (with content `text`) imports against the rules. */
export function violationsOf(file: string, text: string): Violation[] {
  const from = isPortalTooling(file) ? { part: 'bench' as const, unit: 'portal' } : partOf(file);
  if (from.part === undefined) return [];
  const test = isTestCode(file);
  const found: Violation[] = [];
  for (const specifier of importsOf(text)) {
    if (!specifier.startsWith('.')) {
      if (from.part === 'core' && !test && !specifier.startsWith('node:')) {
        const name = packageName(specifier);
        if (!CORE_PACKAGES.includes(name))
          found.push({
            file,
            imports: specifier,
            rule: `core uses no package but ${CORE_PACKAGES.join(', ')}`,
          });
      }
      continue;
    }
    const target = normalize(join(dirname(file), specifier))
      .split(sep)
      .join('/');
    const to = partOf(target);
    if (!mayUseTestCode(file) && isTestCode(target)) {
      found.push({ file, imports: specifier, rule: 'production code never imports test code' });
      continue;
    }
    if (to.part === undefined || to.unit === from.unit) continue;
    if (from.part === 'connectors' && to.part === 'connectors') {
      found.push({ file, imports: specifier, rule: 'a connector never imports another connector' });
      continue;
    }
    if (test || to.part === from.part) continue;
    if (!MAY_IMPORT[from.part].includes(to.part))
      found.push({
        file,
        imports: specifier,
        rule: `${from.part} may import only ${[from.part, ...MAY_IMPORT[from.part]].join(', ')}`,
      });
  }
  return found;
}

/** Every violation in the repository under `root`. */
export function repositoryViolations(root: string): Violation[] {
  return sourceFiles(root).flatMap((file) => violationsOf(file, readFileSync(join(root, file), 'utf8')));
}
