import {
  type Address,
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  type EC2Client,
  type Filter,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import type { CloudPublicAddress, PublicAddressService } from '../../core/ports/cloud/network.ts';
import { awsCall, awsCallOrAbsent } from './aws-errors.ts';
import { TAG, tagValue, toTags } from './aws-settings.ts';

/**
 * Public addresses as VPC Elastic IPs, tagged with the broker's VM id at allocation (one call, so a retry
 * finds it: I4). Terminating an instance disassociates its Elastic IP and leaves it allocated, which is
 * why the broker releases it and the reconciler looks for leaked ones.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateAddress.html
 */
export class Ec2Addresses implements PublicAddressService {
  readonly #ec2: EC2Client;

  constructor(ec2: EC2Client) {
    this.#ec2 = ec2;
  }

  async allocatePublicAddress(serverId: string, brokerId: string): Promise<CloudPublicAddress> {
    let address = (await this.#describe([{ Name: `tag:${TAG.address}`, Values: [brokerId] }]))[0];
    if (!address) {
      const out = await awsCall('AllocateAddress', () =>
        this.#ec2.send(
          new AllocateAddressCommand({
            Domain: 'vpc',
            TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: toTags({ [TAG.address]: brokerId }) }],
          }),
        ),
      );
      address = { AllocationId: out.AllocationId, PublicIp: out.PublicIp, Tags: [] };
    }
    if (address.InstanceId !== serverId)
      await awsCall('AssociateAddress', () =>
        this.#ec2.send(
          new AssociateAddressCommand({
            AllocationId: address.AllocationId,
            InstanceId: serverId,
            AllowReassociation: true,
          }),
        ),
      );
    return { id: address.AllocationId!, ip: address.PublicIp!, brokerId, associated: true };
  }

  async releasePublicAddress(addressId: string): Promise<void> {
    const [address] = await this.#describe([], [addressId]);
    if (!address) return;
    if (address.AssociationId)
      await awsCallOrAbsent('DisassociateAddress', () =>
        this.#ec2.send(new DisassociateAddressCommand({ AssociationId: address.AssociationId })),
      );
    await awsCallOrAbsent('ReleaseAddress', () =>
      this.#ec2.send(new ReleaseAddressCommand({ AllocationId: addressId })),
    );
  }

  async *listPublicAddresses(): AsyncIterable<CloudPublicAddress> {
    for (const address of await this.#describe([{ Name: 'tag-key', Values: [TAG.address] }]))
      yield toCloudPublicAddress(address);
  }

  /** DescribeAddresses has no pagination. A malformed or unknown allocation id answers nothing. */
  async #describe(filters: Filter[], allocationIds?: string[]): Promise<Address[]> {
    const out = await awsCallOrAbsent('DescribeAddresses', () =>
      this.#ec2.send(
        new DescribeAddressesCommand({
          ...(filters.length ? { Filters: filters } : {}),
          ...(allocationIds ? { AllocationIds: allocationIds } : {}),
        }),
      ),
    );
    return out?.Addresses ?? [];
  }
}

export function toCloudPublicAddress(address: Address): CloudPublicAddress {
  const brokerId = tagValue(address.Tags, TAG.address);
  return {
    id: address.AllocationId ?? '',
    ip: address.PublicIp ?? '',
    ...(brokerId === undefined ? {} : { brokerId }),
    associated: address.AssociationId !== undefined,
  };
}
