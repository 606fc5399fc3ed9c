import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { readCdkJson } from './cdk-json.ts';
import { stageConfig } from './config/stages.ts';
import { addHcbStacks } from './hcb-app.ts';

/**
 * CDK app entry. Offline: no lookups, explicit environments, local esbuild.
 *
 * - Through the CLI (`cdk.json`): `npx cdk synth -c stage=dev`. The CLI passes cdk.json's context and
 *   the output directory in the environment.
 * - Without the CLI: `npx node stacks/app.ts -c stage=dev [-o cdk.out]` reads cdk.json's context itself
 *   and writes the same cloud assembly (used by the bundling test; works whatever CLI is installed).
 */
const underCli = process.env.CDK_CONTEXT_JSON !== undefined || process.env.CDK_OUTDIR !== undefined;
const app = underCli ? new App() : new App(standaloneProps(process.argv.slice(2)));
addHcbStacks(app, stageConfig(app.node.tryGetContext('stage')), { code: 'bundle' });
app.synth();

function standaloneProps(args: string[]): { context: Record<string, unknown>; outdir: string } {
  const cdkJson = readCdkJson();
  const context: Record<string, unknown> = { ...cdkJson.context };
  let outdir = cdkJson.output ?? 'cdk.out';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if ((arg === '-c' || arg === '--context') && value?.includes('=')) {
      const eq = value.indexOf('=');
      context[value.slice(0, eq)] = value.slice(eq + 1);
      i++;
    } else if ((arg === '-o' || arg === '--output') && value) {
      outdir = value;
      i++;
    } else {
      throw new Error(`unknown argument ${arg}; use -c key=value and -o <dir>`);
    }
  }
  return { context, outdir: resolve(outdir) };
}
