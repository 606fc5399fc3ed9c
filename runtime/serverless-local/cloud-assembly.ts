import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the synthesised cloud assembly (`cdk.out`): what each regional stack deploys (the three broker
 * functions with their bundle, handler, memory, timeout and environment; the operations queue and its
 * event source mapping; the reconciler's schedule; the API's routes and JWT authorizer) and the data
 * stack's tables. Only the templates are read — never the TypeScript sources.
 */

export type CfnValue = unknown;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export type BrokerEntry = 'api' | 'worker' | 'reconciler';
export const BROKER_ENTRIES: readonly BrokerEntry[] = ['api', 'worker', 'reconciler'];

export interface FunctionShape {
  entry: BrokerEntry;
  logicalId: string;
  /** The asset folder holding the bundle (`asset.<hash>`). */
  codeDir: string;
  /** `index.handler` → module file inside codeDir and its export. */
  moduleFile: string;
  exportName: string;
  memoryMiB: number;
  timeoutSeconds: number;
  reservedConcurrency: number;
  /** Environment as the template states it: literals and CloudFormation intrinsics. */
  environment: Record<string, CfnValue>;
}

export interface QueueMapping {
  queueLogicalId: string;
  batchSize: number;
  maximumConcurrency: number;
  reportBatchItemFailures: boolean;
}

export interface RouteShape {
  method: string;
  /** The path of the route key (`/healthz`, `/{proxy+}`), or `$default`. */
  path: string;
  jwt: boolean;
}

export interface RegionalShape {
  stackName: string;
  region: string;
  template: CfnTemplate;
  functions: Record<BrokerEntry, FunctionShape>;
  mapping: QueueMapping;
  /** The reconciler's schedule: `rate(5 minutes)` → milliseconds. */
  scheduleMs: number;
  routes: RouteShape[];
  authorizer: { issuer: string; audience: string[] };
}

export interface TableShape {
  logicalId: string;
  properties: Record<string, CfnValue>;
}

export interface AssemblyShape {
  dir: string;
  /** The data stack's region: the global tables' home. */
  homeRegion: string;
  regions: RegionalShape[];
  tables: TableShape[];
}

export function readAssembly(dir: string, stage: string): AssemblyShape {
  const templates = readdirSync(dir).filter((f) => f.endsWith('.template.json'));
  const regional = templates.filter((f) => f.startsWith(`hcb-${stage}-regional-`));
  const dataFile = templates.find((f) => f === `hcb-${stage}-data.template.json`);
  if (regional.length === 0 || !dataFile)
    throw new Error(`${dir} holds no hcb-${stage} regional and data stacks: synthesise first`);
  const tables = Object.entries(readTemplate(dir, dataFile).Resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable' || r.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, r]) => ({ logicalId, properties: r.Properties ?? {} }));
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { environment?: string }>;
  };
  const dataEnv = manifest.artifacts[dataFile.replace(/\.template\.json$/, '')]?.environment ?? '';
  return {
    dir,
    homeRegion: dataEnv.split('/').pop() || 'us-east-1',
    regions: regional.map((file) => readRegional(dir, file, stage)),
    tables,
  };
}

function readTemplate(dir: string, file: string): CfnTemplate {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CfnTemplate;
}

function readRegional(dir: string, file: string, stage: string): RegionalShape {
  const stackName = file.replace(/\.template\.json$/, '');
  const region = stackName.slice(`hcb-${stage}-regional-`.length);
  const template = readTemplate(dir, file);
  const resources = Object.entries(template.Resources);
  const functions = Object.fromEntries(
    BROKER_ENTRIES.map((entry) => [entry, functionShape(dir, resources, entry)]),
  ) as Record<BrokerEntry, FunctionShape>;

  const [, esm] = only(resources, 'AWS::Lambda::EventSourceMapping', 'the worker event source mapping');
  const esmProps = esm.Properties ?? {};
  const source = esmProps.EventSourceArn as { 'Fn::GetAtt': [string, string] };
  const [, rule] = only(resources, 'AWS::Events::Rule', 'the reconciler schedule');

  const [, authorizer] = only(resources, 'AWS::ApiGatewayV2::Authorizer', 'the JWT authorizer');
  const jwtConfig = authorizer.Properties?.JwtConfiguration as { Issuer: string; Audience: string[] };
  const routes = resources
    .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map(([, r]) => routeShape(String(r.Properties?.RouteKey), r.Properties?.AuthorizationType === 'JWT'));

  return {
    stackName,
    region,
    template,
    functions,
    mapping: {
      queueLogicalId: source['Fn::GetAtt'][0],
      batchSize: Number(esmProps.BatchSize ?? 10),
      maximumConcurrency: Number(
        (esmProps.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 2,
      ),
      reportBatchItemFailures: ((esmProps.FunctionResponseTypes as string[]) ?? []).includes(
        'ReportBatchItemFailures',
      ),
    },
    scheduleMs: rateToMs(String(rule.Properties?.ScheduleExpression)),
    routes,
    authorizer: { issuer: jwtConfig.Issuer, audience: jwtConfig.Audience },
  };
}

function functionShape(dir: string, resources: [string, CfnResource][], entry: BrokerEntry): FunctionShape {
  const prefix = `Broker${entry[0]!.toUpperCase()}${entry.slice(1)}Function`;
  const found = resources.find(([id, r]) => id.startsWith(prefix) && r.Type === 'AWS::Lambda::Function');
  if (!found) throw new Error(`the template has no ${prefix}`);
  const [logicalId, resource] = found;
  const p = resource.Properties ?? {};
  const s3Key = (p.Code as { S3Key?: string }).S3Key;
  if (!s3Key) throw new Error(`${logicalId} has no bundled code asset`);
  const codeDir = join(dir, `asset.${s3Key.replace(/\.zip$/, '')}`);
  const [moduleName, exportName] = String(p.Handler).split('.') as [string, string];
  const moduleFile = ['.mjs', '.js', '.cjs']
    .map((ext) => join(codeDir, moduleName + ext))
    .find((file) => existsSync(file));
  if (!moduleFile) throw new Error(`${logicalId}: no ${moduleName}.mjs/.js in ${codeDir}`);
  return {
    entry,
    logicalId,
    codeDir,
    moduleFile,
    exportName,
    // Lambda's defaults when the template leaves them out.
    memoryMiB: Number(p.MemorySize ?? 128),
    timeoutSeconds: Number(p.Timeout ?? 3),
    reservedConcurrency: Number(p.ReservedConcurrentExecutions ?? 1000),
    environment: (p.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables ?? {},
  };
}

function routeShape(routeKey: string, jwt: boolean): RouteShape {
  if (routeKey === '$default') return { method: 'ANY', path: '$default', jwt };
  const [method, path] = routeKey.split(' ') as [string, string];
  return { method, path, jwt };
}

function only(resources: [string, CfnResource][], type: string, what: string): [string, CfnResource] {
  const found = resources.filter(([, r]) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} (${what}), found ${found.length}`);
  return found[0]!;
}

/** EventBridge `rate(N unit)` in milliseconds (the only form the stacks use). */
export function rateToMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`unsupported schedule expression ${expression}`);
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2]!.replace(/s$/, '')]!;
  return Number(match[1]) * unit;
}

/**
 * Which route a request matches, API Gateway's way: the most specific route key wins (an exact path over
 * a greedy `{proxy+}`), then `$default`.
 */
export function matchRoute(routes: RouteShape[], method: string, path: string): RouteShape | undefined {
  const methodOk = (r: RouteShape) => r.method === 'ANY' || r.method === method;
  const exact = routes.find((r) => methodOk(r) && r.path === path);
  if (exact) return exact;
  const greedy = routes
    .filter((r) => methodOk(r) && r.path.endsWith('/{proxy+}'))
    .filter((r) => path.startsWith(r.path.slice(0, -'{proxy+}'.length)))
    .sort((a, b) => b.path.length - a.path.length);
  return greedy[0] ?? routes.find((r) => r.path === '$default');
}
