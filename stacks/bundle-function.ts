/**
 * `node stacks/bundle-function.ts <api|worker|reconciler> <outdir>`: one function's bundle
 * (stacks/lambda-esbuild.ts). The CDK construct runs it in a child process because CDK's local bundling
 * is synchronous and esbuild's plugins need its asynchronous API.
 */
import { type BrokerEntry, bundleFunction } from './lambda-esbuild.ts';

const ENTRIES: readonly BrokerEntry[] = ['api', 'worker', 'reconciler'];
const [entry, outdir] = process.argv.slice(2);
if (!ENTRIES.includes(entry as BrokerEntry) || !outdir) {
  process.stderr.write('usage: node stacks/bundle-function.ts <api|worker|reconciler> <outdir>\n');
  process.exit(2);
}
const bundle = await bundleFunction(entry as BrokerEntry, outdir);
process.stdout.write(
  `${entry}: ${(bundle.startBytes / 1024).toFixed(0)} KiB of JavaScript at start, ${(bundle.totalJsBytes / 1024).toFixed(0)} KiB in all\n`,
);
