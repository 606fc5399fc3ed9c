/**
 * The typed, per-stage deployment configuration. Everything an environment differs by lives here — the
 * stacks perform no lookups, so `cdk synth` needs no AWS account and no network.
 */

/** One hospital data centre the broker reaches over a site-to-site VPN (its on-prem OpenStack lives there). */
export interface HospitalSite {
  /** Short identifier (letters and digits), used in construct ids and tags, e.g. `dc1`. */
  readonly name: string;
  /** Public IPv4 address of the hospital's VPN device (the AWS customer gateway). */
  readonly gatewayIp: string;
  /** BGP ASN of the hospital's VPN device (also required by AWS for static routing). */
  readonly bgpAsn: number;
  /** On-prem networks behind this gateway: the OpenStack API endpoints (Keystone, Nova, …) are in these. */
  readonly cidrs: readonly string[];
  /** `bgp`: routes learned dynamically; `static`: the VPN carries exactly `cidrs`. */
  readonly routing: 'bgp' | 'static';
}

/** One AWS region the broker runs in (active-active). */
export interface RegionConfig {
  readonly region: string;
  /** The broker VPC's CIDR; must not overlap the other regions' nor the hospital's networks. */
  readonly vpcCidr: string;
  /** Explicit zones (no lookup at synth), e.g. `['us-east-1a', 'us-east-1b']`; at least two. */
  readonly availabilityZones: readonly string[];
  /** NAT gateways for internet egress (the IdP's JWKS, AWS targets in other regions); ≥ 1. */
  readonly natGateways: number;
  /** Amazon-side BGP ASN of this region's virtual private gateway. */
  readonly vpnGatewayAsn: number;
  /**
   * ACM certificate for the API domain in this region. Unset: the stack requests one, validated by DNS in
   * the hosted zone.
   */
  readonly apiCertificateArn?: string;
}

export interface FunctionSizing {
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency: an upper bound (protects the account and downstream OpenStack) and a floor. */
  readonly reservedConcurrency: number;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface StageConfig {
  /** `dev`, `prod`, …: part of every stack and resource name. Lower-case letters and digits. */
  readonly stage: string;
  /** The AWS account every stack of this stage deploys to. */
  readonly account: string;
  /** Region of the global data stack (DynamoDB global tables' home, backups). Must be one of `regions`. */
  readonly primaryRegion: string;
  /** At least two; the broker runs active-active in all of them. */
  readonly regions: readonly RegionConfig[];
  readonly hospital: {
    readonly sites: readonly HospitalSite[];
    /** TCP ports of the OpenStack APIs the functions may reach on the hospital networks. */
    readonly openstackPorts: readonly number[];
  };
  /** The OIDC identity provider that issues the API's bearer tokens. */
  readonly idp: {
    /** `iss` claim; API Gateway reads `<issuer>/.well-known/openid-configuration`. HTTPS. */
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string;
  };
  /** The Route 53 public hosted zone the API and portal names live in (by id: no lookup at synth). */
  readonly dns: {
    readonly hostedZoneId: string;
    readonly zoneName: string;
  };
  readonly api: {
    /** Custom domain, latency-routed to the nearest healthy region. */
    readonly domainName: string;
    /** Stage-wide API Gateway throttling (requests per second, burst). */
    readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
    /** Serve `/openapi.json` and `/docs` without a token (the documents hold no data). */
    readonly publicDocs: boolean;
  };
  readonly portal: {
    /** The admin portal's domain (CloudFront; certificate in us-east-1). */
    readonly domainName: string;
    /** WAF rate limit: requests per client IP per 5 minutes. */
    readonly wafRateLimit: number;
    /** ISO 3166-1 alpha-2 codes allowed to load the portal (CloudFront geo restriction). */
    readonly allowedCountries: readonly string[];
    /** The portal's public OIDC client at `idp.issuer` (authorization code + PKCE; no secret). */
    readonly clientId: string;
  };
  readonly functions: {
    readonly api: FunctionSizing;
    readonly worker: FunctionSizing;
    readonly reconciler: FunctionSizing;
    readonly logLevel: LogLevel;
  };
  readonly queue: {
    /** Receives before a message is parked in the dead-letter queue. */
    readonly maxReceiveCount: number;
  };
  readonly observability: {
    /** CloudWatch Logs retention (days; one of the values CloudWatch accepts). */
    readonly logRetentionDays: number;
    /** Where alarms are mailed (SNS email subscription; confirm the mail after the first deploy). */
    readonly alarmEmail: string;
    /** API 5xx responses per 5 minutes that raise the alarm. */
    readonly api5xxThreshold: number;
    /** Share of API requests answered 5xx (percent, two 5-minute periods) that raises an alarm; default 5. */
    readonly errorRatePercent?: number;
    /** Requests denied by policy per 5 minutes that raise an alarm; default 100. */
    readonly policyDenialsPer5Minutes?: number;
  };
  readonly backup: {
    /** AWS Backup retention of the daily DynamoDB backups, days. */
    readonly retentionDays: number;
  };
  readonly audit: {
    /**
     * Object Lock (compliance mode) retention of each anchored audit chain head, days: nobody can delete
     * a head before then. HIPAA keeps documentation six years (§164.316(b)(2)(i)).
     */
    readonly anchorRetentionDays: number;
  };
  /** Extra tags on every resource. */
  readonly tags: Readonly<Record<string, string>>;
}

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Checks a stage config for mistakes that would otherwise surface only at deploy time. Returns the problems. */
export function stageConfigProblems(config: StageConfig): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  check(
    /^[a-z][a-z0-9]{1,11}$/.test(config.stage),
    `stage "${config.stage}" must be 2-12 lower-case letters/digits`,
  );
  check(/^\d{12}$/.test(config.account), `account "${config.account}" must be 12 digits`);
  const regionNames = config.regions.map((r) => r.region);
  check(regionNames.length >= 2, 'at least two regions are required (the broker runs active-active)');
  check(new Set(regionNames).size === regionNames.length, 'regions must be distinct');
  check(
    regionNames.includes(config.primaryRegion),
    `primaryRegion ${config.primaryRegion} must be one of the regions`,
  );
  for (const r of config.regions) {
    check(/^[a-z]{2}(-[a-z]+)+-\d$/.test(r.region), `"${r.region}" is not a region name`);
    check(isCidr(r.vpcCidr), `${r.region}: vpcCidr "${r.vpcCidr}" is not an IPv4 CIDR`);
    const azs = r.availabilityZones;
    check(
      azs.length >= 2 && new Set(azs).size === azs.length,
      `${r.region}: at least two distinct zones are required`,
    );
    check(
      azs.every((az) => new RegExp(`^${r.region}[a-z]$`).test(az)),
      `${r.region}: availabilityZones must be zones of ${r.region}`,
    );
    check(r.natGateways >= 1 && r.natGateways <= azs.length, `${r.region}: natGateways must be 1..zones`);
    check(isPrivateAsn(r.vpnGatewayAsn), `${r.region}: vpnGatewayAsn must be a private ASN`);
  }
  check(config.hospital.sites.length >= 1, 'at least one hospital site is required');
  const siteNames = config.hospital.sites.map((s) => s.name);
  check(new Set(siteNames).size === siteNames.length, 'hospital site names must be distinct');
  for (const s of config.hospital.sites) {
    check(/^[a-z][a-z0-9]{0,15}$/.test(s.name), `site name "${s.name}" must be lower-case letters/digits`);
    check(isPublicIpv4(s.gatewayIp), `${s.name}: gatewayIp "${s.gatewayIp}" must be a public IPv4 address`);
    check(Number.isInteger(s.bgpAsn) && s.bgpAsn >= 1 && s.bgpAsn <= 4294967294, `${s.name}: bad bgpAsn`);
    check(s.cidrs.length >= 1 && s.cidrs.every(isCidr), `${s.name}: cidrs must be IPv4 CIDRs`);
  }
  const networks = [
    ...config.regions.map((r) => ({ owner: `VPC ${r.region}`, cidr: r.vpcCidr })),
    ...config.hospital.sites.flatMap((s) => s.cidrs.map((cidr) => ({ owner: `site ${s.name}`, cidr }))),
  ].filter((n) => isCidr(n.cidr));
  for (let i = 0; i < networks.length; i++)
    for (let j = i + 1; j < networks.length; j++)
      check(
        !cidrsOverlap(networks[i]!.cidr, networks[j]!.cidr),
        `${networks[i]!.owner} ${networks[i]!.cidr} overlaps ${networks[j]!.owner} ${networks[j]!.cidr}`,
      );
  check(
    config.hospital.openstackPorts.length > 0 &&
      config.hospital.openstackPorts.every((p) => Number.isInteger(p) && p > 0 && p < 65536),
    'openstackPorts must be TCP ports',
  );
  for (const [name, url] of [
    ['idp.issuer', config.idp.issuer],
    ['idp.jwksUrl', config.idp.jwksUrl],
  ] as const)
    check(/^https:\/\/[^/\s]+/.test(url), `${name} must be an https URL`);
  check(config.idp.audience.length > 0, 'idp.audience is required');
  check(
    /^Z[A-Z0-9]{4,31}$/.test(config.dns.hostedZoneId),
    'dns.hostedZoneId must look like a Route 53 zone id',
  );
  for (const [name, domain] of [
    ['api.domainName', config.api.domainName],
    ['portal.domainName', config.portal.domainName],
  ] as const)
    check(
      domain.endsWith(`.${config.dns.zoneName}`),
      `${name} ${domain} must be inside ${config.dns.zoneName}`,
    );
  check(/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.observability.alarmEmail), 'alarmEmail must be an address');
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(config.observability.logRetentionDays),
    `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  check(
    config.portal.allowedCountries.every((c) => /^[A-Z]{2}$/.test(c)),
    'allowedCountries: ISO alpha-2 codes',
  );
  check(config.portal.clientId.length > 0, 'portal.clientId is required');
  check(config.portal.wafRateLimit >= 10, 'portal.wafRateLimit must be ≥ 10 (WAF minimum)');
  for (const [name, f] of Object.entries({
    api: config.functions.api,
    worker: config.functions.worker,
    reconciler: config.functions.reconciler,
  })) {
    check(f.reservedConcurrency >= 1, `functions.${name}.reservedConcurrency must be ≥ 1`);
    check(f.memoryMiB >= 128 && f.memoryMiB <= 10240, `functions.${name}.memoryMiB out of range`);
    check(f.timeoutSeconds >= 1 && f.timeoutSeconds <= 900, `functions.${name}.timeoutSeconds out of range`);
  }
  check(
    config.functions.api.timeoutSeconds <= 29,
    'functions.api.timeoutSeconds must be ≤ 29 (API Gateway limit)',
  );
  check(
    config.functions.worker.reservedConcurrency >= 2,
    'the SQS event source needs worker concurrency ≥ 2',
  );
  check(config.queue.maxReceiveCount >= 1, 'queue.maxReceiveCount must be ≥ 1');
  check(config.backup.retentionDays >= 1, 'backup.retentionDays must be ≥ 1');
  check(config.audit.anchorRetentionDays >= 1, 'audit.anchorRetentionDays must be ≥ 1');
  return problems;
}

export function assertValidStageConfig(config: StageConfig): StageConfig {
  const problems = stageConfigProblems(config);
  if (problems.length > 0)
    throw new Error(`stage "${config.stage}" config is invalid:\n- ${problems.join('\n- ')}`);
  return config;
}

function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function isCidr(cidr: string): boolean {
  const [ip, bits, ...rest] = cidr.split('/');
  return (
    rest.length === 0 &&
    parseIpv4(ip ?? '') !== undefined &&
    /^\d{1,2}$/.test(bits ?? '') &&
    Number(bits) <= 32
  );
}

function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(parseIpv4(ip!)! / size) * size;
  return [start, start + size - 1];
}

function cidrsOverlap(a: string, b: string): boolean {
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

function isPublicIpv4(ip: string): boolean {
  if (parseIpv4(ip) === undefined) return false;
  // RFC 5737 documentation ranges are accepted so the sample configs validate.
  const blocked = [
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '0.0.0.0/8',
  ];
  return !blocked.some((range) => cidrsOverlap(`${ip}/32`, range));
}

function isPrivateAsn(asn: number): boolean {
  return (
    Number.isInteger(asn) && ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294))
  );
}
