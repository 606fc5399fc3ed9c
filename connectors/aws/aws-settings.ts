import { createHash } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';

/**
 * An AWS target's connection settings (`target.connection` in policies/targets.yaml) and the tag
 * conventions every AWS service file shares. Nothing here is secret: credentials come from the SDK's
 * default chain, the endpoint from `AWS_ENDPOINT_URL` (which the SDK honours natively).
 */
export interface AwsSettings {
  region: string;
  /** Where instances go; its zone is where volumes are created (attach needs the same zone). */
  subnetId?: string;
  /** The VPC for security groups; the region's default VPC when absent. */
  vpcId?: string;
  /** The one zone of this target; from the subnet, or the region's first available zone, when absent. */
  availabilityZone?: string;
  /** KMS key for EBS volumes and S3 default encryption; the AWS-managed keys / SSE-S3 when absent. */
  kmsKeyId?: string;
  /** Public IPv4 on instances; off unless the target asks (a default subnet would otherwise add one). */
  associatePublicIp: boolean;
  /** DescribeInstances/Volumes/… page size (MaxResults). */
  pageSize: number;
  /** Upper bound for presigned link lifetimes, in seconds. */
  maxPresignSeconds: number;
  /** S3 path-style addressing: on by default when an endpoint override (an emulator) is in use. */
  forcePathStyle: boolean;
}

/** Options of the factory: what differs between production, the emulator and tests. */
export interface AwsOptions {
  /** Endpoint override; `AWS_ENDPOINT_URL` (read by the SDK itself) when absent. */
  endpoint?: string;
  /** SDK attempts per call, retries with exponential backoff included (throttling, 5xx, network). */
  maxAttempts?: number;
  /** Socket timeouts in milliseconds. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How often the connector polls while it waits for EC2 (resize's stop → modify → start). */
  pollMs?: number;
  /** Upper bound of one such wait. */
  waitTimeoutMs?: number;
  /** Process environment (tests). */
  env?: Record<string, string | undefined>;
}

export function awsSettings(
  target: Target,
  env: Record<string, string | undefined> = process.env,
): AwsSettings {
  const c = target.connection;
  const str = (key: string): string | undefined => {
    const value = c[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string')
      throw new BrokerError('aws.invalidRequest', `target ${target.id}: connection.${key} must be a string`);
    return value;
  };
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const value = c[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new BrokerError(
        'aws.invalidRequest',
        `target ${target.id}: connection.${key} must be an integer in ${min}..${max}`,
      );
    return value;
  };
  const overridden = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  const settings: AwsSettings = {
    region: str('region') ?? target.region,
    associatePublicIp: c.associatePublicIp === true,
    pageSize: num('pageSize', 1000, 5, 1000),
    // SigV4 allows up to 7 days; the broker hands out short-lived links.
    maxPresignSeconds: num('maxPresignSeconds', 3600, 1, 604_800),
    forcePathStyle: typeof c.forcePathStyle === 'boolean' ? c.forcePathStyle : overridden,
  };
  for (const key of ['subnetId', 'vpcId', 'availabilityZone', 'kmsKeyId'] as const) {
    const value = str(key);
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

/** The SDK client settings shared by EC2 and S3. */
export function clientConfig(settings: AwsSettings, options: AwsOptions) {
  return {
    region: settings.region,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
}

/** Tag keys the broker owns. The broker id tags are how lookups before create find a resource again (I4). */
export const TAG = {
  vm: 'hcb:vm',
  volume: 'hcb:volume',
  snapshot: 'hcb:snapshot',
  image: 'hcb:image',
  link: 'hcb:link',
  bucket: 'hcb:bucket',
  /** On a subnet: the broker's tenant network it is. */
  network: 'hcb:network',
  /** On an Elastic IP: the broker VM it was allocated for. */
  address: 'hcb:address',
  /** The operation's idempotency token, so a retry finds what an earlier attempt created. */
  clientToken: 'hcb:client-token',
  /** On an instance between the stop and the start of a resize: the instance type it is resized to. */
  resizing: 'hcb:resizing',
  name: 'Name',
} as const;

/**
 * Caller tags plus the broker's own (which win). `aws:` keys are reserved by AWS and dropped; values are
 * cut to AWS's limits (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions).
 */
export function toTags(
  own: Record<string, string | undefined>,
  caller: Record<string, string> = {},
): { Key: string; Value: string }[] {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(caller))
    if (!key.toLowerCase().startsWith('aws:')) merged[key] = value;
  for (const [key, value] of Object.entries(own)) if (value !== undefined) merged[key] = value;
  return Object.entries(merged)
    .slice(0, 50)
    .map(([Key, Value]) => ({ Key: Key.slice(0, 128), Value: Value.slice(0, 256) }));
}

export function tagValue(
  tags: { Key?: string; Value?: string }[] | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/**
 * EC2 client tokens are at most 64 ASCII characters
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html); longer ones are hashed,
 * deterministically, so a retry still sends the same token.
 */
export function ec2ClientToken(token: string): string {
  return token.length <= 64 && /^[\x20-\x7e]+$/.test(token)
    ? token
    : createHash('sha256').update(token).digest('hex');
}

/** Follows a `NextToken` through every page. */
export async function* pages<T extends { NextToken?: string | undefined }>(
  fetch: (nextToken: string | undefined) => Promise<T>,
): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await fetch(token);
    yield page;
    token = page.NextToken || undefined;
  } while (token);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
