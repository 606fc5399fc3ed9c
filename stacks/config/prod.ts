import type { StageConfig } from './stage-config.ts';

/**
 * Production stage. The account id, zone id, addresses and IdP below are placeholders: replace them with
 * the production values before the first deploy (see docs/deploy.md). Log retention is six years (HIPAA
 * §164.316(b)(2) documentation retention).
 */
export const prod: StageConfig = {
  stage: 'prod',
  account: '222222222222',
  primaryRegion: 'us-east-2',
  regions: [
    {
      region: 'us-east-2',
      vpcCidr: '10.110.0.0/19',
      availabilityZones: ['us-east-2a', 'us-east-2b', 'us-east-2c'],
      natGateways: 3,
      vpnGatewayAsn: 64611,
    },
    {
      region: 'us-west-2',
      vpcCidr: '10.110.32.0/19',
      availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
      natGateways: 3,
      vpnGatewayAsn: 64612,
    },
  ],
  hospital: {
    sites: [
      { name: 'dc1', gatewayIp: '203.0.113.10', bgpAsn: 65010, cidrs: ['10.10.0.0/16'], routing: 'bgp' },
      { name: 'dc2', gatewayIp: '198.51.100.20', bgpAsn: 65020, cidrs: ['10.20.0.0/16'], routing: 'bgp' },
    ],
    openstackPorts: [443, 5000, 8774, 8776, 9292, 9696, 8080],
  },
  idp: {
    issuer: 'https://login.hospital.example/realms/hcb',
    audience: 'hcb-api',
    jwksUrl: 'https://login.hospital.example/realms/hcb/protocol/openid-connect/certs',
  },
  dns: { hostedZoneId: 'Z0PRODHCB0000000000001', zoneName: 'hcb.hospital.example' },
  api: {
    domainName: 'api.hcb.hospital.example',
    throttle: { rateLimit: 500, burstLimit: 1000 },
    publicDocs: false,
  },
  portal: {
    domainName: 'portal.hcb.hospital.example',
    wafRateLimit: 2000,
    allowedCountries: ['US'],
    clientId: 'hcb-portal',
  },
  functions: {
    api: { memoryMiB: 1769, timeoutSeconds: 29, reservedConcurrency: 200 },
    worker: { memoryMiB: 1024, timeoutSeconds: 120, reservedConcurrency: 20 },
    reconciler: { memoryMiB: 1024, timeoutSeconds: 300, reservedConcurrency: 1 },
    logLevel: 'INFO',
  },
  queue: { maxReceiveCount: 5 },
  observability: { logRetentionDays: 2192, alarmEmail: 'hcb-oncall@hospital.example', api5xxThreshold: 10 },
  backup: { retentionDays: 35 },
  audit: { anchorRetentionDays: 2192 }, // six years and two leap days
  tags: { owner: 'platform-team', 'cost-centre': 'hcb-prod' },
};
