import type { Target } from '../../core/model/target.ts';
import type { EndpointInterface } from './keystone.ts';
import { openstackError } from './openstack-errors.ts';

/**
 * `target.connection` of a `cloud: openstack` entry in policies/targets.yaml:
 *
 * ```yaml
 * connection:
 *   authUrl: https://keystone.dc1.hospital.example:5000/v3   # required
 *   regionName: RegionOne            # default: the target's region
 *   interface: public                # public | internal | admin (default public)
 *   projectName: hcb                 # or projectId; not used with application credentials
 *   projectDomainName: Default       # or projectDomainId
 *   userDomainName: Default
 *   network: hcb-net                 # name or id of the network servers join
 *   publicNetwork: hcb-public        # external network for floating IPs (default: the only one)
 *   credentialsRef: secretsmanager:arn:aws:secretsmanager:…   # or env:OS, file:/etc/hcb/openstack.env
 *   payloadContainer: hcb-payloads   # private Swift container for on-prem payloads
 *   requestTimeoutMs: 30000
 *   consoleLinkTtlSeconds: 600       # the cloud's nova.conf [consoleauth] token_ttl (default 600)
 * ```
 * Never a secret: keys that look like one are refused.
 */
export interface OpenStackConnection {
  authUrl: string;
  regionName: string;
  interface: EndpointInterface;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  userDomainName?: string;
  network?: string;
  publicNetwork?: string;
  credentialsRef: string;
  payloadContainer: string;
  requestTimeoutMs?: number;
  /** How long Nova's console tokens live (`[consoleauth] token_ttl`), so a console link says when it expires. */
  consoleLinkTtlSeconds: number;
}

const KNOWN = new Set([
  'authUrl',
  'regionName',
  'interface',
  'projectName',
  'projectId',
  'projectDomainName',
  'projectDomainId',
  'userDomainName',
  'network',
  'publicNetwork',
  'credentialsRef',
  'payloadContainer',
  'requestTimeoutMs',
  'consoleLinkTtlSeconds',
]);
const SECRET_LIKE = /password|secret|token|apikey|privatekey/i;

export function parseConnection(target: Target): OpenStackConnection {
  const c = target.connection;
  const fail = (message: string) =>
    openstackError('invalidConfig', `target ${target.id}: connection.${message}`);
  for (const key of Object.keys(c)) {
    if (SECRET_LIKE.test(key)) throw fail(`${key} looks like a secret; use credentialsRef`);
    if (!KNOWN.has(key)) throw fail(`${key} is not a known OpenStack connection key`);
  }
  const str = (key: string): string | undefined => {
    const value = c[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw fail(`${key} must be a non-empty string`);
    return value;
  };
  const authUrl = str('authUrl');
  if (!authUrl || !/^https?:\/\//.test(authUrl)) throw fail('authUrl must be an http(s) URL');
  const credentialsRef = str('credentialsRef');
  if (!credentialsRef) throw fail('credentialsRef is required');
  const iface = str('interface') ?? 'public';
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin')
    throw fail('interface must be public, internal or admin');
  const timeout = c.requestTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || timeout <= 0))
    throw fail('requestTimeoutMs must be a positive number');
  const consoleTtl = c.consoleLinkTtlSeconds ?? 600;
  if (typeof consoleTtl !== 'number' || !Number.isInteger(consoleTtl) || consoleTtl <= 0)
    throw fail('consoleLinkTtlSeconds must be a positive whole number');
  const out: OpenStackConnection = {
    authUrl: authUrl.replace(/\/+$/, ''),
    regionName: str('regionName') ?? target.region,
    interface: iface,
    credentialsRef,
    payloadContainer: str('payloadContainer') ?? 'hcb-payloads',
    consoleLinkTtlSeconds: consoleTtl,
  };
  for (const key of [
    'projectName',
    'projectId',
    'projectDomainName',
    'projectDomainId',
    'userDomainName',
    'network',
    'publicNetwork',
  ] as const) {
    const value = str(key);
    if (value !== undefined) out[key] = value;
  }
  if (typeof timeout === 'number') out.requestTimeoutMs = timeout;
  return out;
}
