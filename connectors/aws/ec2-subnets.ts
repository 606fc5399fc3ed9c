import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import type { CloudTenantNetwork, TenantNetworkService } from '../../core/ports/cloud/network.ts';
import { awsCall, awsCallOrAbsent } from './aws-errors.ts';
import { pages, TAG, tagValue, toTags } from './aws-settings.ts';
import type { Ec2Location } from './ec2-location.ts';

/**
 * Tenant networks on AWS: one subnet of the target's VPC, in the target's zone (its volumes' zone), found
 * by its `hcb:network` tag. The VPC's main route table gives it its way out, as the default subnets have.
 */
export class Ec2Subnets implements TenantNetworkService {
  readonly #ec2: EC2Client;
  readonly #location: Ec2Location;

  constructor(ec2: EC2Client, location: Ec2Location) {
    this.#ec2 = ec2;
    this.#location = location;
  }

  /** A cidr outside the VPC's range or overlapping another subnet is EC2's `invalidRequest`; nothing is made. */
  async ensureTenantNetwork(input: {
    brokerId: string;
    name: string;
    cidr: string;
  }): Promise<CloudTenantNetwork> {
    const found = await this.findTenantNetwork(input.brokerId);
    if (found) return found;
    const [vpcId, zone] = await Promise.all([this.#location.vpcId(), this.#location.zone()]);
    const out = await awsCall('CreateSubnet', () =>
      this.#ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: input.cidr,
          AvailabilityZone: zone,
          TagSpecifications: [
            {
              ResourceType: 'subnet',
              Tags: toTags({ [TAG.network]: input.brokerId, [TAG.name]: input.name }),
            },
          ],
        }),
      ),
    );
    return view(out.Subnet ?? {}, input.brokerId);
  }

  async findTenantNetwork(brokerId: string): Promise<CloudTenantNetwork | undefined> {
    const out = await awsCall('DescribeSubnets', () =>
      this.#ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: `tag:${TAG.network}`, Values: [brokerId] }] }),
      ),
    );
    const subnet = out.Subnets?.[0];
    return subnet && view(subnet, brokerId);
  }

  /** Refused (`conflict`) while an instance not terminated is in the subnet. */
  async deleteTenantNetwork(brokerId: string): Promise<void> {
    const found = await this.findTenantNetwork(brokerId);
    if (!found) return;
    const out = await awsCall('DescribeInstances', () =>
      this.#ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'subnet-id', Values: [found.subnetId] },
            {
              Name: 'instance-state-name',
              Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'],
            },
          ],
        }),
      ),
    );
    if ((out.Reservations ?? []).some((r) => (r.Instances ?? []).length > 0))
      throw new BrokerError('aws.conflict', 'instances are still in the subnet', {
        details: { subnetId: found.subnetId },
      });
    await awsCallOrAbsent('DeleteSubnet', () =>
      this.#ec2.send(new DeleteSubnetCommand({ SubnetId: found.subnetId })),
    );
  }

  async *listTenantNetworks(): AsyncIterable<CloudTenantNetwork> {
    for await (const page of pages((NextToken) =>
      awsCall('DescribeSubnets', () =>
        this.#ec2.send(
          new DescribeSubnetsCommand({ Filters: [{ Name: 'tag-key', Values: [TAG.network] }], NextToken }),
        ),
      ),
    ))
      for (const subnet of page.Subnets ?? []) yield view(subnet, tagValue(subnet.Tags, TAG.network) ?? '');
  }
}

function view(subnet: Subnet, brokerId: string): CloudTenantNetwork {
  return {
    id: subnet.SubnetId ?? '',
    subnetId: subnet.SubnetId ?? '',
    cidr: subnet.CidrBlock ?? '',
    brokerId,
    complete: true,
  };
}
