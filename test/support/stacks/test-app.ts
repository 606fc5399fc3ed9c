import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readCdkJson } from '../../../stacks/cdk-json.ts';
import type { StageConfig } from '../../../stacks/config/stage-config.ts';
import { addHcbStacks, type HcbAppOptions, type HcbStacks } from '../../../stacks/hcb-app.ts';

export interface TestApp {
  app: App;
  /** Where `app.synth()` writes the cloud assembly (and validation-report.json). */
  outdir: string;
  stacks: HcbStacks;
  template(stack: Stack): Template;
}

export interface TestAppOptions {
  /** Default `stub`: no esbuild. */
  readonly code?: HcbAppOptions['code'];
  /**
   * Run the synth-time validations `cdk synth` runs: the cdk-nag packs and CDK's built-in CloudFormation
   * template validation (about 10 s per app, so off for plain assertion tests; the nag test turns it on).
   */
  readonly validate?: boolean;
  /** Only the cdk-nag packs (default: `validate`). */
  readonly nag?: boolean;
}

/**
 * A stage's app for assertion tests: stub function code (no esbuild), cdk.json's feature flags, output in
 * a temporary directory. Synthesizes on first `template()`.
 */
export function testApp(config: StageConfig, options: TestAppOptions = {}): TestApp {
  const validate = options.validate ?? false;
  const app = new App({
    context: { ...readCdkJson().context, stage: config.stage },
    outdir: mkdtempSync(join(tmpdir(), 'hcb-cdk-test-')),
    builtinCloudFormationValidation: validate,
  });
  const stacks = addHcbStacks(app, config, { code: options.code ?? 'stub', nag: options.nag ?? validate });
  const templates = new Map<Stack, Template>();
  return {
    app,
    outdir: app.outdir,
    stacks,
    template(stack) {
      let t = templates.get(stack);
      if (!t) {
        t = Template.fromStack(stack);
        templates.set(stack, t);
      }
      return t;
    },
  };
}
