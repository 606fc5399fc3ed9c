import { parseArgs } from 'node:util';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import { ROLES, type Role } from '../core/model/principal.ts';
import { loadConfig } from '../runtime/config.ts';
import { POLICY_USAGE, policyCommand } from './policy-commands.ts';
import { REPORT_USAGE, reportCommand } from './report-commands.ts';

const USAGE = `usage: hcb <command> [options]

commands:
  token --tenant <id> --roles <r1,r2> [--sub <subject>] [--ttl <seconds>]
      print a JWT the local (embedded) broker accepts; roles: ${ROLES.join(', ')}
      (operator is the platform role: reads across tenants, sandbox faults)
      (uses the dev signing key in DATA_DIR, default ./.data, created on first use; --ttl defaults to
      3600 and may not exceed HCB_MAX_TOKEN_LIFETIME_SECONDS, default 3600)

${POLICY_USAGE}
${REPORT_USAGE}
  backfill-live-index --table <name>
      give resources written before the live-resource index their entry, so lists show them
      (a deployed table after the upgrade: docs/deploy.md; the AWS SDK's environment picks the account,
      region and AWS_ENDPOINT_URL); prints how many it filled; safe to run again`;

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      roles: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string' },
    },
  });
  if (!values.tenant || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.tenant))
    fail('--tenant: lowercase letters, digits, dashes');
  const roles = (values.roles ?? 'app').split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !ROLES.includes(r as Role));
  if (unknown.length > 0) fail(`--roles: unknown ${unknown.join(', ')} (known: ${ROLES.join(', ')})`);
  const config = loadConfig();
  const max = config.jwt.maxLifetimeSeconds;
  const ttlSeconds = values.ttl === undefined ? Math.min(3600, max) : Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > max)
    fail(`--ttl: a positive number of seconds, at most ${max} (HCB_MAX_TOKEN_LIFETIME_SECONDS)`);
  const key = await loadOrCreateDevKey(config.dataDir);
  const jwt = await mintDevToken(key, {
    tenant: values.tenant!,
    roles: roles as Role[],
    ttlSeconds,
    ...(values.sub ? { sub: values.sub } : {}),
  });
  process.stdout.write(`${jwt}\n`);
}

async function backfill(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { table: { type: 'string' } } });
  if (!values.table) fail('--table: the broker table to fill');
  const { backfillTable } = await import('../runtime/backfill-live-index.ts');
  const filled = await backfillTable(values.table!);
  process.stdout.write(`filled ${filled} live-index entries in ${values.table}\n`);
}

function fail(message: string): never {
  process.stderr.write(`hcb: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = {
  token,
  'backfill-live-index': backfill,
  policy: async (args) => {
    process.exitCode = await policyCommand(args);
  },
  report: async (args) => {
    process.exitCode = await reportCommand(args);
  },
};
const run = command ? commands[command] : undefined;
if (!run) fail(command ? `unknown command ${command}` : 'no command');
await run!(rest).catch((error: unknown) => {
  process.stderr.write(`hcb: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
