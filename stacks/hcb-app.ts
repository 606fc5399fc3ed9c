import { type App, Tags } from 'aws-cdk-lib';
import type { StageConfig } from './config/stage-config.ts';
import type { FunctionCode } from './constructs/broker-function.ts';
import { DataStack } from './data-stack.ts';
import { addNagPacks } from './nag/acknowledge.ts';
import { EDGE_REGION, names } from './naming.ts';
import { PortalStack } from './portal-stack.ts';
import { RegionalStack } from './regional-stack.ts';

export interface HcbStacks {
  readonly regional: readonly RegionalStack[];
  readonly data: DataStack;
  readonly portal: PortalStack;
}

export interface HcbAppOptions {
  /** `bundle` for `cdk synth`/`deploy`; `stub` only in assertion tests (see FunctionCode). */
  readonly code: FunctionCode;
  /** Register the AwsSolutions and HIPAA Security packs (default true): synth fails on any finding. */
  readonly nag?: boolean;
}

/**
 * All stacks of one stage:
 * - `hcb-<stage>-regional-<region>`, one per configured region (keys, VPC/VPN, functions, API, alarms);
 * - `hcb-<stage>-data` in the primary region, after every regional stack (global tables, backups);
 * - `hcb-<stage>-portal` in us-east-1 (S3 + CloudFront + WAF for the admin portal).
 */
export function addHcbStacks(app: App, config: StageConfig, options: HcbAppOptions): HcbStacks {
  const env = (region: string) => ({ account: config.account, region });
  const production = config.stage === 'prod';

  const regional = config.regions.map(
    (region) =>
      new RegionalStack(app, names.regionalStack(config, region.region), {
        env: env(region.region),
        description: `hcb ${config.stage}: broker in ${region.region} (keys, network, VPN, functions, API, alarms)`,
        terminationProtection: production,
        config,
        region,
        code: options.code,
      }),
  );
  const data = new DataStack(app, names.dataStack(config), {
    env: env(config.primaryRegion),
    description: `hcb ${config.stage}: DynamoDB global tables (replicas in ${config.regions.map((r) => r.region).join(', ')}) and backups`,
    terminationProtection: true,
    config,
  });
  // Each replica is encrypted with its region's data key, which the regional stack creates.
  for (const stack of regional) data.addStackDependency(stack, 'table replica keys (by alias)');

  const portal = new PortalStack(app, names.portalStack(config), {
    env: env(EDGE_REGION),
    description: `hcb ${config.stage}: admin portal (S3, CloudFront, WAF)`,
    terminationProtection: production,
    config,
    content: options.code === 'stub' ? 'stub' : 'dist',
  });

  Tags.of(app).add('project', names.project);
  Tags.of(app).add('stage', config.stage);
  for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);

  if (options.nag ?? true) addNagPacks(app);
  return { regional, data, portal };
}
