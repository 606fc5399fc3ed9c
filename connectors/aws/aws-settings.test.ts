import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { awsSettings, ec2ClientToken, pages, TAG, toTags } from './aws-settings.ts';

const target = (connection: Target['connection'] = {}): Target => ({
  id: 'aws-test',
  cloud: 'aws',
  region: 'eu-west-1',
  site: 'public',
  description: 'unit test',
  kinds: ['vm'],
  attributes: { jurisdiction: 'EU', hipaaEligible: false, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 1 },
  sizes: {},
  images: {},
  connection,
});

describe('AWS connection settings', () => {
  it('defaults: the target region, no public IP, full pages, path style only with an endpoint override', () => {
    expect(awsSettings(target(), {})).toEqual({
      region: 'eu-west-1',
      associatePublicIp: false,
      pageSize: 1000,
      maxPresignSeconds: 3600,
      forcePathStyle: false,
    });
    expect(awsSettings(target(), { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).forcePathStyle).toBe(true);
  });

  it('reads the optional placement and encryption settings', () => {
    const s = awsSettings(
      target({
        region: 'us-east-2',
        subnetId: 'subnet-1',
        vpcId: 'vpc-1',
        kmsKeyId: 'alias/hcb',
        associatePublicIp: true,
        pageSize: 50,
      }),
      {},
    );
    expect(s).toMatchObject({
      region: 'us-east-2',
      subnetId: 'subnet-1',
      vpcId: 'vpc-1',
      kmsKeyId: 'alias/hcb',
      associatePublicIp: true,
      pageSize: 50,
    });
  });

  it('refuses settings of the wrong type or range', () => {
    expect(() => awsSettings(target({ pageSize: 2 }), {})).toThrow(/pageSize/);
    expect(() => awsSettings(target({ subnetId: 42 }), {})).toThrow(/subnetId/);
  });
});

describe('tags', () => {
  it('never passes reserved aws: keys, lets broker tags win, and stays within AWS limits', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ maxLength: 300 })),
        fc.string(),
        (caller, id) => {
          const tags = toTags({ [TAG.vm]: id }, caller);
          expect(tags.length).toBeLessThanOrEqual(50);
          expect(tags.some((t) => t.Key.toLowerCase().startsWith('aws:'))).toBe(false);
          expect(tags.every((t) => t.Key.length <= 128 && t.Value.length <= 256)).toBe(true);
          expect(tags.find((t) => t.Key === TAG.vm)?.Value).toBe(id.slice(0, 256));
        },
      ),
    );
  });
});

describe('EC2 client tokens', () => {
  it('are at most 64 printable ASCII characters and deterministic', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: 'grapheme' }).filter((s) => s.length > 0),
        (token) => {
          const sent = ec2ClientToken(token);
          expect(sent.length).toBeLessThanOrEqual(64);
          expect(sent).toMatch(/^[\x20-\x7e]+$/);
          expect(ec2ClientToken(token)).toBe(sent);
        },
      ),
    );
    expect(ec2ClientToken('op-123')).toBe('op-123');
  });
});

describe('pages', () => {
  it('follows NextToken until it runs out', async () => {
    const seen: (string | undefined)[] = [];
    const all: number[] = [];
    for await (const page of pages(async (token) => {
      seen.push(token);
      const n = Number(token ?? 0);
      return { items: [n], NextToken: n < 2 ? String(n + 1) : undefined };
    }))
      all.push(...page.items);
    expect(all).toEqual([0, 1, 2]);
    expect(seen).toEqual([undefined, '1', '2']);
  });
});
