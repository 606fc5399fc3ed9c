import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey, publicJwks } from '../../auth/dev-signing-key.ts';
import { readAssembly } from './cloud-assembly.ts';
import { startGlobalTableProxy } from './global-table-proxy.ts';
import { localCatalogue, openstackSecretValue } from './local-catalogue.ts';
import { createTables, deleteTables } from './provisioner.ts';
import { type RunningRegion, startRegion } from './region.ts';
import { synthesise } from './synth.ts';

export interface DeploymentOptions {
  dataDir: string;
  host: string;
  /** The first region's port (0: any); the next regions take the following ports (or any, with 0). */
  port: number;
  stage: string;
  emulator: string;
  openstackEnvFile: string;
  /** Where the cloud assembly is: default `DATA_DIR/cdk.out`. */
  assemblyDir?: string;
  /** Synthesise it there first when the sources changed (default: only for the default folder). */
  synth?: boolean;
  maxInstances?: number;
  visibilityTimeoutSeconds?: number;
  scheduleMs?: number;
  logLevel?: string;
}

export interface Deployment {
  regions: RunningRegion[];
  tables: string[];
  prefix: string;
  stop(): Promise<void>;
  /** Stops, then deletes the tables, queues, secrets and keys it made on the shared emulator. */
  destroy(): Promise<void>;
}

/**
 * The deployed shape on this machine: the synthesised stacks' regional runtimes (one per region in the
 * assembly), sharing the global tables, on the AWS emulator, against the loopback OpenStack and the
 * emulator's EC2. Names on the shared emulator carry a prefix kept in DATA_DIR, so a restart with the
 * same DATA_DIR finds its tables, queues and secrets again (and `hcb token` with it mints accepted tokens).
 */
export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const assemblyDir = options.assemblyDir ?? join(dataDir, 'cdk.out');
  if (options.synth ?? !options.assemblyDir) synthesise(assemblyDir, options.stage);
  const assembly = readAssembly(assemblyDir, options.stage);
  const prefix = localPrefix(dataDir);
  const tableName = (templateName: string) => `${prefix}-${templateName}`;

  // The stand-in IdP: the dev signing key's public half, as a JWKS endpoint.
  const jwks = JSON.stringify(publicJwks(await loadOrCreateDevKey(dataDir)));
  const idp = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
  );
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;

  const proxy = await startGlobalTableProxy(new URL(options.emulator), assembly.homeRegion);
  const dynamo = new DynamoDBClient({ region: assembly.homeRegion, endpoint: options.emulator });
  const tables = await createTables(dynamo, assembly.tables, tableName);
  dynamo.destroy();

  const openstackSecretName = `hcb/${options.stage}/openstack`;
  const targetsFile = join(dataDir, 'targets.yaml');
  writeFileSync(
    targetsFile,
    await localCatalogue({
      shippedCatalogue: join(assembly.regions[0]!.functions.api.codeDir, 'policies', 'targets.yaml'),
      openstackEnvFile: options.openstackEnvFile,
      // The provisioner names each secret `<prefix>-<region>/<template name>`; the catalogue cannot name a
      // region, so the OpenStack secret is looked up by the name every region shares (as in the stacks).
      openstackSecretName: `${prefix}/${openstackSecretName}`,
      regions: assembly.regions.map((r) => r.region),
    }),
  );
  const regions: RunningRegion[] = [];
  try {
    for (const [i, shape] of assembly.regions.entries()) {
      regions.push(
        await startRegion({
          shape,
          prefix,
          dataDir,
          host: options.host,
          port: options.port === 0 ? 0 : options.port + i,
          emulator: options.emulator,
          dynamoEndpoint: proxy.endpoint,
          tableName,
          idp: { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwksUrl },
          targetsFile,
          secretValues: { [openstackSecretName]: openstackSecretValue(options.openstackEnvFile) },
          maxInstances: options.maxInstances ?? 2,
          ...(options.visibilityTimeoutSeconds === undefined
            ? {}
            : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
          ...(options.scheduleMs === undefined ? {} : { scheduleMs: options.scheduleMs }),
          ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.all(regions.map((r) => r.stop()));
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all(regions.map((r) => r.stop()));
      await proxy.close();
      idp.closeAllConnections();
      await new Promise<void>((r) => idp.close(() => r()));
    })();
    return stopped;
  };
  return {
    regions,
    tables,
    prefix,
    stop,
    async destroy() {
      await stop();
      await Promise.all(regions.map((r) => r.destroy()));
      const client = new DynamoDBClient({ region: assembly.homeRegion, endpoint: options.emulator });
      await deleteTables(client, tables);
      client.destroy();
    },
  };
}

/** The prefix of this DATA_DIR's resources on the shared emulator, made once. */
function localPrefix(dataDir: string): string {
  const file = join(dataDir, 'serverless-local.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { prefix: string }).prefix;
  const prefix = `hcbl${randomBytes(4).toString('hex')}`;
  writeFileSync(file, JSON.stringify({ prefix }));
  return prefix;
}
