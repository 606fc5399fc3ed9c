import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import type { CloudLimits } from '../../core/ports/cloud/limits.ts';
import type {
  Capability,
  CloudProvider,
  ProviderFactory,
  TargetHealth,
} from '../../core/ports/cloud/provider.ts';
import { awsCall } from './aws-errors.ts';
import { type AwsOptions, type AwsSettings, awsSettings, clientConfig } from './aws-settings.ts';
import { EbsBlockStorage } from './ebs.ts';
import { Ec2Compute } from './ec2.ts';
import { Ec2Images } from './ec2-images.ts';
import { ec2Limits } from './ec2-limits.ts';
import { Ec2Location } from './ec2-location.ts';
import { Ec2Network } from './ec2-network.ts';
import { S3ObjectStorage } from './s3.ts';

/**
 * One AWS target (one region): EC2, EBS and S3 behind the provider interface. Credentials come from the
 * SDK's default chain; the endpoint from `AWS_ENDPOINT_URL` (or `options.endpoint`), so the same code runs
 * against AWS, moto and LocalStack. No payload store: a public site never holds PHI (I1, I2).
 */
export class AwsProvider implements CloudProvider {
  readonly target: Target;
  readonly settings: AwsSettings;
  /** EC2 has no pause, no console URL through its API, no live migration and no resize confirmation. */
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['consoleOutput', 'imageCopy']);
  readonly ec2: EC2Client;
  readonly s3: S3Client;
  readonly compute: Ec2Compute;
  readonly blockStorage: EbsBlockStorage;
  readonly objectStorage: S3ObjectStorage;
  readonly network: Ec2Network;
  readonly images: Ec2Images;

  constructor(target: Target, options: AwsOptions = {}) {
    if (target.cloud !== 'aws')
      throw new BrokerError('aws.invalidRequest', `target ${target.id} is not an AWS target`);
    const settings = awsSettings(target, options.env);
    const config = clientConfig(settings, options);
    this.target = target;
    this.settings = settings;
    this.ec2 = new EC2Client(config);
    this.s3 = new S3Client({
      ...config,
      // Emulators serve buckets under the path, not as virtual hosts.
      forcePathStyle: settings.forcePathStyle,
      // See s3.ts: optional checksums would be signed into presigned links and break them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const location = new Ec2Location(this.ec2, settings);
    this.compute = new Ec2Compute({
      ec2: this.ec2,
      target,
      settings,
      location,
      pollMs: options.pollMs ?? 2_000,
      waitTimeoutMs: options.waitTimeoutMs ?? 600_000,
    });
    this.blockStorage = new EbsBlockStorage(this.ec2, settings, location);
    this.objectStorage = new S3ObjectStorage(this.s3, settings);
    this.network = new Ec2Network(this.ec2, settings, location);
    this.images = new Ec2Images(this.ec2, target, settings);
  }

  /** The account's EC2 limits (max-instances). */
  limits(): Promise<CloudLimits> {
    return ec2Limits(this.ec2);
  }

  /** One cheap read per service: both answer → healthy, one → degraded, none → down. */
  async health(): Promise<TargetHealth> {
    const [ec2, s3] = await Promise.allSettled([
      awsCall('DescribeAvailabilityZones', () => this.ec2.send(new DescribeAvailabilityZonesCommand({}))),
      awsCall('ListBuckets', () => this.s3.send(new ListBucketsCommand({ MaxBuckets: 1 }))),
    ]);
    const failing = [ec2.status === 'rejected' ? 'ec2' : '', s3.status === 'rejected' ? 's3' : ''].filter(
      Boolean,
    );
    const health: TargetHealth = {
      status: failing.length === 0 ? 'healthy' : failing.length === 2 ? 'down' : 'degraded',
      checkedAt: new Date().toISOString(),
    };
    if (failing.length > 0) health.detail = `${failing.join(' and ')} not answering`;
    return health;
  }

  async close(): Promise<void> {
    this.ec2.destroy();
    this.s3.destroy();
  }
}

export function awsFactory(options: AwsOptions = {}): ProviderFactory {
  return (target) => new AwsProvider(target, options);
}
