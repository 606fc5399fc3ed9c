import { OpenStackProvider } from '../../../connectors/openstack/openstack-provider.ts';
import type { Target } from '../../../core/model/target.ts';
import { type FakeFetch, fastHttp, json, withKeystone } from './fake-fetch.ts';

/** The unit tests' cloud: a provider wired to a FakeFetch with Keystone, flavors, one image and one network. */
export const IMAGE_ID = '11111111-1111-4111-8111-111111111111';
export const NET_ID = '22222222-2222-4222-8222-222222222222';

export const unitTarget = (): Target => ({
  id: 'os-unit',
  cloud: 'openstack',
  region: 'RegionOne',
  site: 'onprem',
  description: 'unit',
  kinds: ['vm', 'volume', 'bucket'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: { small: 'm1.small', medium: 'm1.medium' },
  images: { 'ubuntu-24.04': 'ubuntu-24.04' },
  connection: {
    authUrl: 'http://keystone.test/v3',
    projectName: 'hcb',
    network: 'hcb-net',
    credentialsRef: 'env:OS',
  },
});

export function unitProvider(fake: FakeFetch, pageSize?: number) {
  withKeystone(fake);
  fake
    .on('GET', /^nova\.test\/v2\.1\/flavors\/detail$/, () =>
      json(200, {
        flavors: [
          { id: 'f-small', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
          { id: 'f-medium', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
        ],
      }),
    )
    .on('GET', /^glance\.test\/v2\/images$/, (c) =>
      json(200, {
        images:
          c.url.searchParams.get('name') === 'ubuntu-24.04'
            ? [{ id: IMAGE_ID, name: 'ubuntu-24.04', status: 'active' }]
            : [],
      }),
    )
    .on('GET', /^neutron\.test\/v2\.0\/networks$/, () =>
      json(200, { networks: [{ id: NET_ID, name: 'hcb-net', status: 'ACTIVE', subnets: [] }] }),
    );
  return new OpenStackProvider(unitTarget(), {
    env: { OS_USERNAME: 'hcb', OS_PASSWORD: 'pw' },
    http: fastHttp(fake),
    ...(pageSize ? { pageSize } : {}),
  });
}
