import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { AwsProvider } from '../../connectors/aws/aws-provider.ts';
import type { Target } from '../../core/model/target.ts';
import { describeProviderContract } from '../contract/provider-contract.ts';
import { ubuntuAmi, useEmulator } from './emulator.ts';

/**
 * The shared provider contract against AwsProvider on a LocalStack-compatible emulator (scripts/moto-up.sh,
 * or `localstack start`). Dummy credentials and us-east-1 unless the environment says otherwise.
 *
 * One gap of the emulators is filled here, openly: S3 refuses a presigned link whose signature does not
 * match the request (wrong method, tampered, expired), but moto does not check presigned signatures at all
 * (nor does LocalStack unless S3_SKIP_SIGNATURE_VALIDATION=0). When a probe shows the emulator accepts a
 * tampered link, S3 traffic goes through a small front that checks SigV4 query signatures as S3 does and
 * passes everything else through unchanged. Against an endpoint that checks, the front is not used.
 */
useEmulator();

const region = process.env.AWS_REGION!;
const emulator = process.env.AWS_ENDPOINT_URL;
let front: Server | undefined;

function contractTarget(ami: string): Target {
  return {
    id: 'aws-contract',
    cloud: 'aws',
    region,
    site: 'public',
    description: 'contract test target (AWS emulator)',
    kinds: ['vm', 'volume', 'bucket'],
    attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
    ranking: { preference: 0, costPerVcpuHour: 0 },
    sizes: { small: 't3.micro', medium: 't3.small' },
    images: { 'ubuntu-24.04': ami },
    connection: { region },
  };
}

/** Whether the endpoint refuses a presigned GET whose signature was tampered with. */
async function checksPresignedSignatures(s3: S3Client): Promise<boolean> {
  const Bucket = `hcb-probe-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  try {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'probe' }), { expiresIn: 60 });
    const tampered = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    return (await fetch(tampered)).status === 403;
  } finally {
    await s3.send(new DeleteBucketCommand({ Bucket }));
  }
}

/** A pass-through front to the emulator that answers 403 to presigned requests whose SigV4 signature is wrong. */
async function startVerifyingFront(s3: S3Client): Promise<string> {
  const presigner = new S3RequestPresigner({ ...s3.config });
  const signedParams = /^x-amz-(algorithm|credential|date|expires|signedheaders|signature|content-sha256)$/i;
  front = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://front');
    const signature = url.searchParams.get('X-Amz-Signature');
    if (signature) {
      const date = url.searchParams.get('X-Amz-Date') ?? '';
      const expiresIn = Number(url.searchParams.get('X-Amz-Expires'));
      const signedAt = new Date(
        date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
      );
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) if (!signedParams.test(k)) query[k] = v;
      const { port } = front!.address() as AddressInfo;
      const expected = await presigner.presign(
        {
          method: req.method ?? 'GET',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port,
          path: url.pathname,
          query,
          headers: {},
        },
        { signingDate: signedAt, expiresIn },
      );
      const fresh = signedAt.getTime() + expiresIn * 1000 >= Date.now();
      if (!fresh || expected.query?.['X-Amz-Signature'] !== signature) {
        res
          .writeHead(403, { 'content-type': 'application/xml' })
          .end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
        return;
      }
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
    ) as Record<string, string>;
    const answer = await fetch(`${emulator}${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!['transfer-encoding', 'connection', 'content-length', 'content-encoding'].includes(k)) out[k] = v;
    });
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => front!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
}

describeProviderContract('aws', async () => {
  const probe = new AwsProvider(contractTarget('ami-unset'));
  // The emulator's own AMIs: an Ubuntu one by name, whatever its id in this emulator version.
  const ami = await ubuntuAmi(region);
  // The SDK reads service-specific endpoints from the environment itself (AWS_ENDPOINT_URL_S3).
  if (!(await checksPresignedSignatures(probe.s3)))
    process.env.AWS_ENDPOINT_URL_S3 = await startVerifyingFront(probe.s3);
  await probe.close();
  const provider = new AwsProvider(contractTarget(ami), { pollMs: 100 });
  return {
    provider,
    size: 'small',
    otherSize: 'medium',
    image: 'ubuntu-24.04',
    settleTimeoutMs: 60_000,
    // The catalogue's standard and ssd on AWS (docs/aws.md): general-purpose and provisioned-IOPS SSD.
    volumeTypes: ['gp3', 'io2'],
    pollMs: 100,
    cleanup: async () => {
      await provider.close();
      front?.close();
      delete process.env.AWS_ENDPOINT_URL_S3;
    },
  };
});
