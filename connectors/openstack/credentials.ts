import { readFile } from 'node:fs/promises';
import type { KeystoneCredentials } from './keystone.ts';
import { openstackError } from './openstack-errors.ts';

/**
 * Where a target's OpenStack secrets come from — `target.connection.credentialsRef`, never the secret
 * itself (targets.yaml is reviewed in git):
 * - `env:PREFIX` reads PREFIX_APPLICATION_CREDENTIAL_ID/_SECRET, else PREFIX_USERNAME/_PASSWORD
 *   (`env:OS` reads the usual OS_* variables);
 * - `file:/path/openstack.env` reads KEY=value lines the same way with prefix OS; `file:/path#OS_ADMIN`
 *   picks another prefix;
 * - `secretsmanager:<arn>` asks the injected resolver (the runtime passes one built on the AWS SDK) for a
 *   JSON object (`username`/`password`, `applicationCredentialId`/`applicationCredentialSecret`, or
 *   OS_*-style keys) or KEY=value text.
 * Read again on every authentication, so a rotated secret is used without a restart.
 */
export interface CredentialDeps {
  env?: Record<string, string | undefined>;
  readFile?: (path: string) => Promise<string>;
  resolveSecret?: (arn: string) => Promise<string>;
  /** The connection's user domain, used when the source does not name one. */
  userDomainName?: string;
}

export function credentialSource(ref: string, deps: CredentialDeps = {}): () => Promise<KeystoneCredentials> {
  const colon = ref.indexOf(':');
  const scheme = colon === -1 ? '' : ref.slice(0, colon);
  const rest = colon === -1 ? '' : ref.slice(colon + 1);
  if (scheme === 'env') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) throw badRef('env: needs a variable prefix, e.g. env:OS');
    return async () => fromKeyValues(deps.env ?? process.env, rest, deps.userDomainName, ref);
  }
  if (scheme === 'file') {
    const hash = rest.indexOf('#');
    const path = hash === -1 ? rest : rest.slice(0, hash);
    const prefix = hash === -1 ? 'OS' : rest.slice(hash + 1);
    if (!path.startsWith('/')) throw badRef('file: needs an absolute path');
    const read = deps.readFile ?? ((p: string) => readFile(p, 'utf8'));
    return async () => {
      let text: string;
      try {
        text = await read(path);
      } catch (error) {
        throw openstackError('invalidConfig', 'credentials file cannot be read', {
          cause: error,
          details: { scheme },
        });
      }
      return fromKeyValues(parseEnvFile(text), prefix, deps.userDomainName, ref);
    };
  }
  if (scheme === 'secretsmanager') {
    if (!rest) throw badRef('secretsmanager: needs a secret ARN');
    return async () => {
      if (!deps.resolveSecret)
        throw openstackError('invalidConfig', 'secretsmanager: references need a secret resolver');
      return fromSecretString(await deps.resolveSecret(rest), deps.userDomainName, ref);
    };
  }
  throw badRef('credentialsRef must be env:PREFIX, file:/path[#PREFIX] or secretsmanager:<arn>');
}

/** KEY=value lines (optional `export`, quotes, comments), as the bring-up script writes them. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
      value = value.slice(1, -1);
    out[match[1]!] = value;
  }
  return out;
}

function fromKeyValues(
  values: Record<string, string | undefined>,
  prefix: string,
  userDomainName: string | undefined,
  ref: string,
): KeystoneCredentials {
  const get = (name: string) => values[`${prefix}_${name}`] || undefined;
  const id = get('APPLICATION_CREDENTIAL_ID');
  const secret = get('APPLICATION_CREDENTIAL_SECRET');
  if (id && secret) return { type: 'applicationCredential', id, secret };
  const username = get('USERNAME');
  const password = get('PASSWORD');
  if (username && password) {
    const domain = get('USER_DOMAIN_NAME') ?? userDomainName;
    return { type: 'password', username, password, ...(domain ? { userDomainName: domain } : {}) };
  }
  // Name the reference's scheme and prefix only: never a value.
  throw openstackError(
    'invalidConfig',
    `credentials ${schemeOf(ref)} with prefix ${prefix} hold neither a username/password nor an application credential`,
  );
}

function fromSecretString(
  secret: string,
  userDomainName: string | undefined,
  ref: string,
): KeystoneCredentials {
  const trimmed = secret.trim();
  if (!trimmed.startsWith('{')) return fromKeyValues(parseEnvFile(trimmed), 'OS', userDomainName, ref);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    throw openstackError('invalidConfig', 'secretsmanager: the secret is neither JSON nor KEY=value text');
  }
  const str = (key: string) =>
    typeof json[key] === 'string' && json[key] ? (json[key] as string) : undefined;
  const id = str('applicationCredentialId') ?? str('application_credential_id');
  const appSecret = str('applicationCredentialSecret') ?? str('application_credential_secret');
  if (id && appSecret) return { type: 'applicationCredential', id, secret: appSecret };
  const username = str('username');
  const password = str('password');
  if (username && password) {
    const domain = str('userDomainName') ?? str('user_domain_name') ?? userDomainName;
    return { type: 'password', username, password, ...(domain ? { userDomainName: domain } : {}) };
  }
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) if (typeof v === 'string') flat[k] = v;
  return fromKeyValues(flat, 'OS', userDomainName, ref);
}

const schemeOf = (ref: string) => ref.slice(0, Math.max(0, ref.indexOf(':')));
const badRef = (message: string) => openstackError('invalidConfig', `credentialsRef: ${message}`);
