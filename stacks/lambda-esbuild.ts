/**
 * How the Lambda functions are bundled, shared by the CDK construct and the benchmark that measures the
 * bundle (no CDK import here, so the benchmark stays light).
 */

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
