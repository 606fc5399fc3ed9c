import type { EC2Client } from '@aws-sdk/client-ec2';
import type { CloudTenantNetwork, NetworkService } from '../../core/ports/cloud/network.ts';
import type { AwsSettings } from './aws-settings.ts';
import type { Ec2Location } from './ec2-location.ts';
import { Ec2SecurityGroups } from './ec2-security-groups.ts';
import { Ec2Subnets } from './ec2-subnets.ts';

/** The network service on EC2: security groups and Elastic IPs (ec2-security-groups.ts), tenant subnets. */
export class Ec2Network extends Ec2SecurityGroups implements NetworkService {
  readonly #subnets: Ec2Subnets;

  constructor(ec2: EC2Client, settings: AwsSettings, location: Ec2Location) {
    super(ec2, settings, location);
    this.#subnets = new Ec2Subnets(ec2, location);
  }

  ensureTenantNetwork(input: { brokerId: string; name: string; cidr: string }): Promise<CloudTenantNetwork> {
    return this.#subnets.ensureTenantNetwork(input);
  }

  findTenantNetwork(brokerId: string): Promise<CloudTenantNetwork | undefined> {
    return this.#subnets.findTenantNetwork(brokerId);
  }

  deleteTenantNetwork(brokerId: string): Promise<void> {
    return this.#subnets.deleteTenantNetwork(brokerId);
  }

  listTenantNetworks(): AsyncIterable<CloudTenantNetwork> {
    return this.#subnets.listTenantNetworks();
  }
}
