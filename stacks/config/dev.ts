import type { StageConfig } from './stage-config.ts';

/**
 * Development stage. The account id, zone id, addresses and IdP below are placeholders: replace them with
 * the values of your dev account before the first deploy (see docs/deploy.md).
 */
export const dev: StageConfig = {
  stage: 'dev',
  account: '111111111111',
  primaryRegion: 'us-east-1',
  regions: [
    {
      region: 'us-east-1',
      vpcCidr: '10.100.0.0/20',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      natGateways: 1,
      vpnGatewayAsn: 64601,
    },
    {
      region: 'us-west-2',
      vpcCidr: '10.100.16.0/20',
      availabilityZones: ['us-west-2a', 'us-west-2b'],
      natGateways: 1,
      vpnGatewayAsn: 64602,
    },
  ],
  hospital: {
    sites: [
      { name: 'dc1', gatewayIp: '203.0.113.10', bgpAsn: 65010, cidrs: ['10.10.0.0/16'], routing: 'static' },
      { name: 'dc2', gatewayIp: '198.51.100.20', bgpAsn: 65020, cidrs: ['10.20.0.0/16'], routing: 'bgp' },
    ],
    // Keystone, Nova, Cinder, Glance, Neutron, Swift, and 443 for TLS-terminating API proxies.
    openstackPorts: [443, 5000, 8774, 8776, 9292, 9696, 8080],
  },
  idp: {
    issuer: 'https://login.dev.hospital.example/realms/hcb',
    audience: 'hcb-api',
    jwksUrl: 'https://login.dev.hospital.example/realms/hcb/protocol/openid-connect/certs',
  },
  dns: { hostedZoneId: 'Z0DEVHCB00000000000001', zoneName: 'dev.hcb.hospital.example' },
  api: {
    domainName: 'api.dev.hcb.hospital.example',
    throttle: { rateLimit: 50, burstLimit: 100 },
    publicDocs: true,
  },
  portal: {
    domainName: 'portal.dev.hcb.hospital.example',
    wafRateLimit: 1000,
    allowedCountries: ['US'],
    clientId: 'hcb-portal',
  },
  functions: {
    api: { memoryMiB: 1024, timeoutSeconds: 29, reservedConcurrency: 10 },
    worker: { memoryMiB: 1024, timeoutSeconds: 120, reservedConcurrency: 5 },
    reconciler: { memoryMiB: 512, timeoutSeconds: 300, reservedConcurrency: 1 },
    logLevel: 'DEBUG',
  },
  queue: { maxReceiveCount: 5 },
  observability: { logRetentionDays: 90, alarmEmail: 'hcb-dev-alarms@hospital.example', api5xxThreshold: 5 },
  backup: { retentionDays: 7 },
  audit: { anchorRetentionDays: 1 }, // dev stacks come and go; a day keeps them deletable
  tags: { owner: 'platform-team', 'cost-centre': 'hcb-dev' },
};
