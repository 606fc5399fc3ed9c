import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { type Handler, stubEc2 } from '../../test/support/stub-aws-send.ts';
import { awsSettings } from './aws-settings.ts';
import { Ec2Location } from './ec2-location.ts';
import { Ec2SecurityGroups, sameRule, toCloudRule, toIpPermission } from './ec2-security-groups.ts';

function network(handlers: Record<string, Handler>) {
  const { ec2, calls } = stubEc2(handlers);
  const settings = awsSettings(
    { id: 't', region: 'us-east-1', connection: { vpcId: 'vpc-1' } } as unknown as Target,
    {},
  );
  return { n: new Ec2SecurityGroups(ec2, settings, new Ec2Location(ec2, settings)), calls };
}

const awsError = (code: string) =>
  Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: 400 } });
const rule = { direction: 'ingress', protocol: 'tcp', port: 5432, remoteCidr: '10.1.2.0/24' } as const;
const ec2Rule = {
  SecurityGroupRuleId: 'sgr-1',
  GroupId: 'sg-1',
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: 5432,
  ToPort: 5432,
  CidrIpv4: '10.1.2.0/24',
};

describe('rule mapping', () => {
  it('maps one broker rule to one EC2 permission and back', () => {
    expect(toIpPermission(rule)).toEqual({
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      IpRanges: [{ CidrIp: '10.1.2.0/24' }],
    });
    expect(toIpPermission({ direction: 'egress', protocol: 'icmp', remoteGroupId: 'sg-2' })).toEqual({
      IpProtocol: 'icmp',
      FromPort: -1,
      ToPort: -1,
      UserIdGroupPairs: [{ GroupId: 'sg-2' }],
    });
    expect(toIpPermission({ ...rule, remoteCidr: 'fd00::/8' }).Ipv6Ranges).toEqual([
      { CidrIpv6: 'fd00::/8' },
    ]);
    expect(toCloudRule(ec2Rule)).toEqual({ id: 'sgr-1', ...rule });
  });

  it('leaves out rules the broker cannot express', () => {
    expect(toCloudRule({ ...ec2Rule, IpProtocol: '-1' })).toBeUndefined();
  });

  it('maps port ranges and ICMP over IPv6 (icmpv6) both ways', () => {
    const range = { ...rule, port: 8000, portTo: 8080, remoteCidr: '2001:db8::/32' };
    expect(toIpPermission(range)).toEqual({
      IpProtocol: 'tcp',
      FromPort: 8000,
      ToPort: 8080,
      Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
    });
    expect(
      toCloudRule({
        ...ec2Rule,
        FromPort: 8000,
        ToPort: 8080,
        CidrIpv4: undefined,
        CidrIpv6: '2001:db8::/32',
      }),
    ).toEqual({ id: 'sgr-1', ...range });
    const ping = { direction: 'ingress', protocol: 'icmp', remoteCidr: '::/0' } as const;
    expect(toIpPermission(ping)).toMatchObject({ IpProtocol: 'icmpv6', FromPort: -1, ToPort: -1 });
    expect(
      toCloudRule({
        ...ec2Rule,
        IpProtocol: 'icmpv6',
        FromPort: -1,
        ToPort: -1,
        CidrIpv4: undefined,
        CidrIpv6: '::/0',
      }),
    ).toEqual({ id: 'sgr-1', ...ping });
    expect(sameRule(range, { ...range })).toBe(true);
    expect(sameRule(range, { ...range, portTo: 8081 })).toBe(false);
    expect(sameRule({ ...rule, portTo: 5432 }, rule)).toBe(true);
  });

  it('compares rules the way EC2 deduplicates them', () => {
    expect(sameRule(rule, { ...rule })).toBe(true);
    expect(sameRule(rule, { ...rule, port: 5433 })).toBe(false);
    expect(
      sameRule(
        { direction: 'ingress', protocol: 'icmp', port: 1, remoteCidr: '0.0.0.0/0' },
        { direction: 'ingress', protocol: 'icmp' },
      ),
    ).toBe(true);
  });
});

describe('Ec2SecurityGroups', () => {
  it('returns the identical existing rule when EC2 says InvalidPermission.Duplicate', async () => {
    const { n } = network({
      AuthorizeSecurityGroupIngress: () => Promise.reject(awsError('InvalidPermission.Duplicate')),
      DescribeSecurityGroupRules: () => ({ SecurityGroupRules: [ec2Rule] }),
    });
    expect(await n.addRule('sg-1', rule)).toEqual({ id: 'sgr-1', ...rule });
  });

  it('removes a rule by id through the revoke call of its direction, idempotently', async () => {
    const { n, calls } = network({
      DescribeSecurityGroupRules: () => ({ SecurityGroupRules: [{ ...ec2Rule, IsEgress: true }] }),
      RevokeSecurityGroupEgress: () => ({}),
    });
    await n.removeRule('sg-1', 'sgr-1');
    expect(calls.at(-1)).toEqual({
      action: 'RevokeSecurityGroupEgress',
      input: { GroupId: 'sg-1', SecurityGroupRuleIds: ['sgr-1'] },
    });
    const gone = network({
      DescribeSecurityGroupRules: () => Promise.reject(awsError('InvalidSecurityGroupRuleId.NotFound')),
    });
    await expect(gone.n.removeRule('sg-1', 'sgr-1')).resolves.toBeUndefined();
  });

  it('adopts a same-named group that carries no link tag, and refuses one that carries another', async () => {
    const found = (tags: { Key: string; Value: string }[]) => {
      let n = 0;
      return () => ({
        SecurityGroups: n++ === 0 ? [] : [{ GroupId: 'sg-9', GroupName: 'hcb-x', Tags: tags }],
      });
    };
    const adopt = network({
      DescribeSecurityGroups: found([]),
      CreateSecurityGroup: () => Promise.reject(awsError('InvalidGroup.Duplicate')),
      CreateTags: () => ({}),
      DescribeSecurityGroupRules: () => ({ SecurityGroupRules: [] }),
    });
    expect(
      (await adopt.n.ensureSecurityGroup({ brokerId: 'lnk-1', name: 'hcb-x', description: 'd' })).id,
    ).toBe('sg-9');
    const other = network({
      DescribeSecurityGroups: found([{ Key: 'hcb:link', Value: 'lnk-2' }]),
      CreateSecurityGroup: () => Promise.reject(awsError('InvalidGroup.Duplicate')),
    });
    await expect(
      other.n.ensureSecurityGroup({ brokerId: 'lnk-1', name: 'hcb-x', description: 'd' }),
    ).rejects.toMatchObject({
      code: 'aws.conflict',
    });
  });

  it("falls back to the VPC's default group when the last group is detached", async () => {
    const { n, calls } = network({
      DescribeInstances: () => ({
        Reservations: [
          {
            Instances: [
              { State: { Name: 'running' }, VpcId: 'vpc-1', SecurityGroups: [{ GroupId: 'sg-1' }] },
            ],
          },
        ],
      }),
      DescribeSecurityGroups: () => ({ SecurityGroups: [{ GroupId: 'sg-default' }] }),
      ModifyInstanceAttribute: () => ({}),
    });
    await n.detachSecurityGroup('i-1', 'sg-1');
    expect(calls.at(-1)).toEqual({
      action: 'ModifyInstanceAttribute',
      input: { InstanceId: 'i-1', Groups: ['sg-default'] },
    });
  });
});
