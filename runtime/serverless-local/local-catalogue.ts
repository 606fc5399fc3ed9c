import { readFileSync } from 'node:fs';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { parseEnvFile } from '../../connectors/openstack/credentials.ts';

/**
 * The catalogue the local deployment runs with: the loopback OpenStack as the on-prem target and the
 * emulator's EC2 in each region as public targets. OpenStack credentials are referenced by the secret's
 * name (the same in every region, as the stacks name it), never written here.
 */
export async function localCatalogue(options: {
  /** The shipped catalogue (the bundle's `policies/targets.yaml`): its logical sizes, images and volume types are kept. */
  shippedCatalogue: string;
  openstackEnvFile: string;
  openstackSecretName: string;
  regions: string[];
}): Promise<string> {
  const os = parseEnvFile(readFileSync(options.openstackEnvFile, 'utf8'));
  const onprem = `
  - id: openstack-local
    cloud: openstack
    region: ${os.OS_REGION_NAME ?? 'RegionOne'}
    site: onprem
    description: the loopback OpenStack (Debian packages, fake virt driver)
    attributes: { jurisdiction: US, hipaaEligible: true, encryptionAtRest: true }
    ranking: { preference: 10, costPerVcpuHour: 0 }
    sizes: { small: m1.small, medium: m1.medium, large: m1.large }
    images: { ubuntu-24.04: ${os.HCB_OPENSTACK_IMAGE ?? 'ubuntu-24.04'} }
    volumeTypes: { standard: __DEFAULT__, ssd: ssd }
    connection:
      authUrl: "${os.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3'}"
      regionName: ${os.OS_REGION_NAME ?? 'RegionOne'}
      interface: ${os.OS_INTERFACE ?? 'public'}
      projectName: ${os.OS_PROJECT_NAME ?? 'hcb'}
      projectDomainName: ${os.OS_PROJECT_DOMAIN_NAME ?? 'Default'}
      userDomainName: ${os.OS_USER_DOMAIN_NAME ?? 'Default'}
      network: ${os.HCB_OPENSTACK_NETWORK ?? 'hcb-net'}
      credentialsRef: "secretsmanager:${options.openstackSecretName}"
`;
  const publics = await Promise.all(
    options.regions.map(
      async (region, i) => `
  - id: aws-${region}
    cloud: aws
    region: ${region}
    site: public
    description: AWS ${region} (the emulator's EC2)
    attributes: { jurisdiction: US, hipaaEligible: true, encryptionAtRest: true }
    ranking: { preference: ${30 - 5 * i}, costPerVcpuHour: 0.02 }
    sizes: { small: t3.small, medium: t3.medium, large: t3.large }
    images: { ubuntu-24.04: ${await ubuntuAmi(region)} }
    volumeTypes: { standard: gp3, ssd: io2 }
    connection: { region: ${region} }
`,
    ),
  );
  const shipped = readFileSync(options.shippedCatalogue, 'utf8');
  const header = shipped.slice(0, shipped.search(/^targets:/m));
  return `${header}# Replaced by the local serverless runtime: the loopback OpenStack and the emulator's EC2.\ntargets:${onprem}${publics.join('')}`;
}

/** The OpenStack credentials the secret holds: the broker user's, never the admin's. */
export function openstackSecretValue(openstackEnvFile: string): string {
  const env = parseEnvFile(readFileSync(openstackEnvFile, 'utf8'));
  return Object.entries(env)
    .filter(([key]) => key.startsWith('OS_') && !key.startsWith('OS_ADMIN_'))
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

async function ubuntuAmi(region: string): Promise<string> {
  const ec2 = new EC2Client({ region });
  try {
    const { Images = [] } = await ec2.send(
      new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['ubuntu*'] }] }),
    );
    const ami = Images.find((i) => i.ImageId && i.RootDeviceName)?.ImageId;
    if (!ami) throw new Error(`the emulator lists no Ubuntu AMI in ${region}`);
    return ami;
  } finally {
    ec2.destroy();
  }
}
