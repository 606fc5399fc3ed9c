/**
 * How the Lambda functions are bundled, shared by the CDK construct (through `stacks/bundle-function.ts`,
 * run in a child process), the budget test and the cold-start benchmark (no CDK import here, so both stay
 * light).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/** The repository root: esbuild's working directory and where `functions/` and `policies/` live. */
const ROOT = resolve(import.meta.dirname, '..');

/** The Node.js build of the Cedar engine reads this file from its own directory at import. */
export const CEDAR_WASM = 'node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm';

/**
 * `require` for the CommonJS dependencies inside the ESM bundle. The import is aliased: esbuild keeps a
 * bundled module's own `import { createRequire } from 'node:module'` as a top-level import, and an
 * unaliased banner import would then be declared twice (a SyntaxError at load, unless minification
 * happens to rename one of them).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __hcbCreateRequire } from 'node:module'; const require = __hcbCreateRequire(import.meta.url);";

/**
 * CommonJS dependencies that locate files next to themselves (cedar-wasm's Node build reads
 * `${__dirname}/cedar_wasm_bg.wasm`) get the bundle's directory; ESM has no __dirname of its own.
 */
export const ESM_DIRNAME_DEFINE = { __dirname: 'import.meta.dirname', __filename: 'import.meta.filename' };

export const LAMBDA_NODE_TARGET = 'node24';

export type BrokerEntry = 'api' | 'worker' | 'reconciler';

/** The API function's budget for the JavaScript it loads at start (`index.mjs` and its static imports). */
export const API_START_BUDGET_BYTES = 1024 * 1024;

/**
 * zod's `z` namespace re-exports every locale (`z.locales`), and `@hono/zod-openapi` uses `z` as a value,
 * so esbuild keeps all ~50 of them (≈ 300 KiB minified). The broker speaks English only (zod registers
 * `en` itself, https://zod.dev/error-customization#internationalization): the bundle's `z.locales` holds
 * `en` alone.
 */
const englishOnlyZod: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: 'zod-locales-en', namespace: 'zod-english-only' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * An ES module's `import … from 'node:http'` makes Node build an ESM facade of the module, which reads
 * every export — `http.WebSocket` among them, a getter that loads all of undici: tens of ms of a cold
 * start. The bundle takes Node's built-in modules through `process.getBuiltinModule` instead
 * (https://nodejs.org/api/process.html#processgetbuiltinmoduleid), naming every export but those
 * getters; an import of one of them fails the build.
 */
const SKIPPED_EXPORTS: Record<string, readonly string[]> = {
  http: ['WebSocket', 'CloseEvent', 'MessageEvent'],
};

const builtinsWithoutFacade: Plugin = {
  name: 'builtins-without-esm-facade',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z][a-z0-9_/]*$/ }, (args) =>
      args.kind === 'import-statement' && isBuiltin(args.path)
        ? { path: args.path.replace(/^node:/, ''), namespace: 'node-builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
      const id = `node:${args.path}`;
      const exported = process.getBuiltinModule(id) as Record<string, unknown>;
      const names = Object.keys(exported).filter(
        (name) =>
          /^[A-Za-z_$][\w$]*$/.test(name) &&
          name !== 'default' &&
          !SKIPPED_EXPORTS[args.path]?.includes(name),
      );
      return {
        contents: `const m = process.getBuiltinModule(${JSON.stringify(id)});\nexport default m;\nexport const { ${names.join(', ')} } = m;`,
        loader: 'js',
      };
    });
  },
};

export interface FunctionBundle {
  /** Every output file (`index.mjs`, the chunks it may load later, the Cedar WebAssembly) with its size. */
  files: { name: string; bytes: number }[];
  /** What a cold start loads: `index.mjs` and the chunks it imports statically. */
  startFiles: string[];
  /** The source files and packages bundled into `startFiles`. */
  startInputs: string[];
  /** Bytes of JavaScript a cold start loads. */
  startBytes: number;
  /** Bytes of JavaScript in all: the start plus the chunks loaded on first use (a cloud's connector). */
  totalJsBytes: number;
  metafile: Metafile;
}

/**
 * Bundles `functions/<entry>.ts` into `outdir`: `index.mjs` exporting `handler` (ESM, minified, the AWS
 * SDK included: the version the tests ran against is the version that runs), chunks beside it for what
 * is imported on first use (each cloud's connector and SDK clients, see runtime/provider-factories.ts),
 * the policy files (without their `.ts` helpers) with their validation done at build time, and the Cedar
 * engine's WebAssembly when it is used.
 */
export async function bundleFunction(entry: BrokerEntry, outdir: string): Promise<FunctionBundle> {
  const metafile = await bundleModule(join(ROOT, 'functions', `${entry}.ts`), outdir);
  cpSync(join(ROOT, 'policies'), join(outdir, 'policies'), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
  // Validated now, not at every cold start (policy-engine/bundle/validated-bundle.ts); invalid fails here.
  execFileSync(process.execPath, [join(ROOT, 'bin/prevalidate-policies.ts'), outdir], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const usesCedar = readdirSync(outdir).some(
    (name) =>
      name.endsWith('.mjs') && readFileSync(join(outdir, name), 'utf8').includes('cedar_wasm_bg.wasm'),
  );
  if (usesCedar) copyFileSync(join(ROOT, CEDAR_WASM), join(outdir, basename(CEDAR_WASM)));
  return describeBundle(outdir, metafile);
}

/**
 * `entryFile` bundled into `outdir/index.mjs` (and its chunks) with the settings every function gets; the
 * cold-start benchmark also builds its floor function with it, so both pay for their libraries alike.
 */
export async function bundleModule(entryFile: string, outdir: string): Promise<Metafile> {
  rmSync(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    entryPoints: { index: entryFile },
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    platform: 'node',
    target: LAMBDA_NODE_TARGET,
    format: 'esm',
    outdir,
    outExtension: { '.js': '.mjs' },
    // Beside index.mjs, so a chunk's import.meta.dirname (cedar-wasm's __dirname) is the bundle's directory.
    chunkNames: '[name]-[hash]',
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    sourcemap: false,
    banner: { js: ESM_REQUIRE_BANNER },
    define: ESM_DIRNAME_DEFINE,
    plugins: [englishOnlyZod, builtinsWithoutFacade],
    metafile: true,
    logLevel: 'warning',
  });
  return metafile;
}

/** A bundle's files and what of it a cold start loads (`index.mjs` and the chunks it imports statically). */
export function describeBundle(outdir: string, metafile: Metafile): FunctionBundle {
  const files = readdirSync(outdir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ name: e.name, bytes: statSync(join(outdir, e.name)).size }));
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, out]) => [basename(path), out]));
  const start = new Set<string>();
  const visit = (name: string) => {
    if (start.has(name)) return;
    start.add(name);
    for (const imported of outputs.get(name)?.imports ?? [])
      if (imported.kind === 'import-statement' && !imported.external) visit(basename(imported.path));
  };
  visit('index.mjs');
  const js = files.filter((f) => f.name.endsWith('.mjs'));
  return {
    files,
    startFiles: [...start],
    startInputs: [...start].flatMap((name) => Object.keys(outputs.get(name)?.inputs ?? {})),
    startBytes: js.filter((f) => start.has(f.name)).reduce((sum, f) => sum + f.bytes, 0),
    totalJsBytes: js.reduce((sum, f) => sum + f.bytes, 0),
    metafile,
  };
}
