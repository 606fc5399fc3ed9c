import { DescribeAccountAttributesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { CloudLimits } from '../../core/ports/cloud/limits.ts';
import { awsCall } from './aws-errors.ts';

/**
 * The account's EC2 limits the API exposes (`DescribeAccountAttributes`: `max-instances`); vCPU quotas
 * live in Service Quotas, which the emulator does not offer, so only instances are shown.
 */
export async function ec2Limits(ec2: EC2Client): Promise<CloudLimits> {
  const out = await awsCall('DescribeAccountAttributes', () =>
    // The SDK's enum names only some attributes: ask for all, keep `max-instances`.
    ec2.send(new DescribeAccountAttributesCommand({})),
  );
  const value = out.AccountAttributes?.find((a) => a.AttributeName === 'max-instances')?.AttributeValues?.[0]
    ?.AttributeValue;
  const max = value === undefined ? Number.NaN : Number(value);
  return { source: 'ec2', resources: Number.isFinite(max) ? { instances: { limit: max } } : {} };
}
