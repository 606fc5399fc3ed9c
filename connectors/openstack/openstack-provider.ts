import type { Target } from '../../core/model/target.ts';
import type { CloudLimits } from '../../core/ports/cloud/limits.ts';
import type {
  Capability,
  CloudProvider,
  ProviderFactory,
  TargetHealth,
} from '../../core/ports/cloud/provider.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { Cinder } from './cinder.ts';
import { credentialSource } from './credentials.ts';
import { Glance } from './glance.ts';
import { HttpClient, type HttpOptions } from './http.ts';
import { Keystone } from './keystone.ts';
import { Neutron } from './neutron.ts';
import { NeutronSecurityGroups } from './neutron-security-groups.ts';
import { Nova } from './nova.ts';
import { NovaActions } from './nova-actions.ts';
import { NovaMigrations } from './nova-migrations.ts';
import { OpenStackBlockStorage } from './openstack-block-storage.ts';
import { OpenStackCompute } from './openstack-compute.ts';
import { type OpenStackConnection, parseConnection } from './openstack-connection.ts';
import { OpenStackImages } from './openstack-images.ts';
import { openStackLimits } from './openstack-limits.ts';
import { OpenStackNetwork } from './openstack-network.ts';
import { OpenStackObjectStorage } from './openstack-object-storage.ts';
import { OpenStackPayloads } from './openstack-payloads.ts';
import { OpenStackResolver } from './openstack-resolver.ts';
import { OpenStackSession, type ServiceType } from './session.ts';
import { Swift } from './swift.ts';

export interface OpenStackProviderOptions {
  /** Resolves `secretsmanager:<arn>` credential references; the runtime passes one built on the AWS SDK. */
  resolveSecret?: (arn: string) => Promise<string>;
  /** Environment for `env:` references (default: process.env). */
  env?: Record<string, string | undefined>;
  /** HTTP settings (tests inject `fetch`, `sleep`). */
  http?: Partial<HttpOptions>;
  logger?: Logger;
  now?: () => number;
  /** Page size for listings (default: each service's maximum). */
  pageSize?: number;
}

/**
 * One OpenStack target (a hospital data centre's region) behind the CloudProvider interface: Keystone
 * for tokens and the catalog, Nova, Cinder, Glance, Neutron and Swift over typed REST clients on fetch.
 */
export class OpenStackProvider implements CloudProvider {
  readonly target: Target;
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>([
    'pause',
    'consoleUrl',
    'liveMigrate',
    'resizeConfirm',
    'imageCopy',
  ]);
  readonly connection: OpenStackConnection;
  readonly keystone: Keystone;
  readonly session: OpenStackSession;
  readonly nova: Nova;
  readonly cinder: Cinder;
  readonly glance: Glance;
  readonly neutron: Neutron;
  readonly swift: Swift;
  readonly compute: OpenStackCompute;
  readonly blockStorage: OpenStackBlockStorage;
  readonly objectStorage: OpenStackObjectStorage;
  readonly network: OpenStackNetwork;
  readonly images: OpenStackImages;
  readonly payloads?: OpenStackPayloads;

  constructor(target: Target, options: OpenStackProviderOptions = {}) {
    const c = parseConnection(target);
    this.target = target;
    this.connection = c;
    const http = new HttpClient({
      ...(c.requestTimeoutMs ? { timeoutMs: c.requestTimeoutMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...options.http,
    });
    this.keystone = new Keystone({
      authUrl: c.authUrl,
      http,
      ...(options.now ? { now: options.now } : {}),
      credentials: credentialSource(c.credentialsRef, {
        ...(options.env ? { env: options.env } : {}),
        ...(options.resolveSecret ? { resolveSecret: options.resolveSecret } : {}),
        ...(c.userDomainName ? { userDomainName: c.userDomainName } : {}),
      }),
      scope: {
        ...(c.projectId ? { projectId: c.projectId } : {}),
        ...(c.projectName ? { projectName: c.projectName } : {}),
        ...(c.projectDomainName ? { projectDomainName: c.projectDomainName } : {}),
        ...(c.projectDomainId ? { projectDomainId: c.projectDomainId } : {}),
      },
    });
    this.session = new OpenStackSession({
      keystone: this.keystone,
      http,
      interface: c.interface,
      region: c.regionName,
    });
    const paging = options.pageSize ? { pageSize: options.pageSize } : {};
    this.nova = new Nova(this.session, paging);
    this.cinder = new Cinder(this.session, paging);
    this.glance = new Glance(this.session, paging);
    this.neutron = new Neutron(this.session, paging);
    this.swift = new Swift(this.session, paging);
    const actions = new NovaActions(this.nova);
    const resolver = new OpenStackResolver(target, {
      nova: this.nova,
      glance: this.glance,
      neutron: this.neutron,
    });
    this.compute = new OpenStackCompute({
      nova: this.nova,
      actions,
      glance: this.glance,
      resolver,
      migrations: new NovaMigrations(this.nova),
      consoleLinkTtlSeconds: c.consoleLinkTtlSeconds,
      ...(options.now ? { now: options.now } : {}),
    });
    this.blockStorage = new OpenStackBlockStorage({ cinder: this.cinder, actions });
    this.objectStorage = new OpenStackObjectStorage(this.swift, options.now);
    this.network = new OpenStackNetwork({
      neutron: this.neutron,
      securityGroups: new NeutronSecurityGroups(this.neutron),
      publicNetworkId: () => resolver.publicNetworkId(),
    });
    this.images = new OpenStackImages(this.glance);
    // Only on-prem targets hold payloads the control plane must not keep (I2).
    if (target.site === 'onprem') this.payloads = new OpenStackPayloads(this.swift, c.payloadContainer);
  }

  /** The project's Nova and Cinder limits. */
  limits(): Promise<CloudLimits> {
    return openStackLimits(this.nova, this.cinder);
  }

  /**
   * A token, then one cheap read per service. Down when Keystone or Nova fails; degraded when another
   * service does. The detail names services, never data.
   */
  async health(): Promise<TargetHealth> {
    const checkedAt = new Date().toISOString();
    try {
      await this.keystone.token();
    } catch {
      return { status: 'down', checkedAt, detail: 'identity (keystone) authentication failed' };
    }
    const probes: [ServiceType, () => Promise<unknown>][] = [
      [
        'compute',
        () =>
          this.nova.request({ method: 'GET', path: '/flavors?limit=1', op: 'nova.health', accept: [200] }),
      ],
      [
        'block-storage',
        () =>
          this.cinder.request({
            method: 'GET',
            path: '/volumes?limit=1',
            op: 'cinder.health',
            accept: [200],
          }),
      ],
      [
        'image',
        () =>
          this.session.request('image', {
            method: 'GET',
            path: '/images?limit=1',
            op: 'glance.health',
            accept: [200],
          }),
      ],
      [
        'network',
        () =>
          this.session.request('network', {
            method: 'GET',
            path: '/networks?limit=1',
            op: 'neutron.health',
            accept: [200],
          }),
      ],
      ['object-store', () => this.swift.accountMeta()],
    ];
    const results = await Promise.allSettled(probes.map(([, probe]) => probe()));
    const failed = probes.filter((_, i) => results[i]!.status === 'rejected').map(([service]) => service);
    if (failed.length === 0) return { status: 'healthy', checkedAt };
    return {
      status: failed.includes('compute') ? 'down' : 'degraded',
      checkedAt,
      detail: `failing: ${failed.join(', ')}`,
    };
  }

  async close(): Promise<void> {
    // fetch keeps no sockets here (the services close them after each answer); nothing to release.
  }
}

/** The factory for `cloud: openstack` targets. */
export function openstackFactory(options: OpenStackProviderOptions = {}): ProviderFactory {
  return (target) => new OpenStackProvider(target, options);
}
