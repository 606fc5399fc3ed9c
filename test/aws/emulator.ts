import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { FAST_TARGETS } from '../support/broker-harness.ts';

/**
 * The LocalStack-compatible endpoint the AWS suites run against (moto server by default, started by
 * scripts/moto-up.sh); the SDK reads AWS_ENDPOINT_URL itself. Set once, before any client exists.
 */
export function useEmulator(): void {
  process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:4566';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
}

/** The emulator's own Ubuntu AMI in a region (moto ships them; on AWS the catalogue names ours). */
export async function ubuntuAmi(region: string): Promise<string> {
  const { Images = [] } = await new EC2Client({ region }).send(
    new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['ubuntu*'] }] }),
  );
  const ami = Images.find((i) => i.ImageId && i.RootDeviceName)?.ImageId;
  if (!ami) throw new Error(`the emulator lists no Ubuntu AMI in ${region}`);
  return ami;
}

/**
 * A catalogue with the default simulated on-prem targets and one AWS target per region on the emulator
 * (`aws-<region>`, preference falling in the order given), written to a temporary file.
 */
export async function awsCatalogue(regions: string[]): Promise<string> {
  const base = readFileSync(FAST_TARGETS, 'utf8');
  const onprem = base.slice(0, base.indexOf('  - id: sandbox-public-east'));
  const entries = await Promise.all(
    regions.map(
      async (region, i) => `
  - id: aws-${region}
    cloud: aws
    region: ${region}
    site: public
    description: AWS ${region} (emulator)
    attributes: { jurisdiction: US, hipaaEligible: true, encryptionAtRest: true }
    ranking: { preference: ${30 - 5 * i}, costPerVcpuHour: 0.02 }
    sizes: { small: t3.small, medium: t3.medium, large: t3.large }
    images: { ubuntu-24.04: ${await ubuntuAmi(region)} }
    volumeTypes: { standard: gp3, ssd: io2 }
    connection: { region: ${region} }
`,
    ),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-aws-')), 'targets.yaml');
  writeFileSync(file, onprem + entries.join(''));
  return file;
}
