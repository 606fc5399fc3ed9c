import type { CloudPublicAddress, PublicAddressService } from '../../core/ports/cloud/network.ts';
import type { Neutron, NeutronFloatingIp } from './neutron.ts';
import { openstackError } from './openstack-errors.ts';

/** The broker VM id, written into the floating IP's description at creation (one call: no crash window). */
const PREFIX = 'hcb-vm:';
const describe = (brokerId: string) => `${PREFIX}${brokerId}`;

/**
 * Public addresses as Neutron floating IPs: allocated from the external network with the server's port
 * in the same call, found again by the broker's VM id in the description before any retry creates one
 * (I4). https://docs.openstack.org/api-ref/network/v2/#floating-ips-floatingips
 */
export class OpenStackPublicAddresses implements PublicAddressService {
  readonly #neutron: Neutron;
  readonly #publicNetworkId: () => Promise<string>;

  constructor(neutron: Neutron, publicNetworkId: () => Promise<string>) {
    this.#neutron = neutron;
    this.#publicNetworkId = publicNetworkId;
  }

  async allocatePublicAddress(serverId: string, brokerId: string): Promise<CloudPublicAddress> {
    const portId = await this.#serverPort(serverId);
    let found: NeutronFloatingIp | undefined;
    for await (const f of this.#neutron.listFloatingIps({ description: describe(brokerId) }))
      if (f.description === describe(brokerId)) found = f;
    if (!found)
      return toCloudPublicAddress(
        await this.#neutron.createFloatingIp({
          floating_network_id: await this.#publicNetworkId(),
          port_id: portId,
          description: describe(brokerId),
        }),
      );
    if (found.port_id === portId) return toCloudPublicAddress(found);
    return toCloudPublicAddress(await this.#neutron.updateFloatingIp(found.id, portId));
  }

  /** Deleting a floating IP disassociates it too. */
  releasePublicAddress(addressId: string): Promise<void> {
    return this.#neutron.deleteFloatingIp(addressId);
  }

  async *listPublicAddresses(): AsyncIterable<CloudPublicAddress> {
    for await (const f of this.#neutron.listFloatingIps())
      if (f.description?.startsWith(PREFIX)) yield toCloudPublicAddress(f);
  }

  async #serverPort(serverId: string): Promise<string> {
    for await (const p of this.#neutron.listPorts({ device_id: serverId })) return p.id;
    throw openstackError('conflict', 'server has no network port to carry a floating IP', {
      details: { serverId },
    });
  }
}

export function toCloudPublicAddress(f: NeutronFloatingIp): CloudPublicAddress {
  const address: CloudPublicAddress = { id: f.id, ip: f.floating_ip_address, associated: !!f.port_id };
  if (f.description?.startsWith(PREFIX)) address.brokerId = f.description.slice(PREFIX.length);
  return address;
}
