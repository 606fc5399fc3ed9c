import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../test/support/stacks/test-app.ts';
import { dev } from './config/dev.ts';
import { prod } from './config/prod.ts';
import { TABLE_DATA_ACTIONS } from './constructs/broker.ts';
import { publicRoutes } from './constructs/broker-api.ts';

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Sid?: string;
};

const resources = (t: Template, type?: string): [string, Resource][] =>
  Object.entries(t.toJSON().Resources as Record<string, Resource>).filter(
    ([, r]) => !type || r.Type === type,
  );

const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The statements of the customer-managed policy attached to a broker function's role. */
function functionStatements(t: Template, fn: 'Api' | 'Worker' | 'Reconciler'): Statement[] {
  const [, policy] = resources(t, 'AWS::IAM::ManagedPolicy').find(([id]) =>
    id.startsWith(`Broker${fn}RolePolicy`),
  )!;
  return (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
}

const actionsOf = (statements: Statement[]) =>
  statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action));

describe('regional stack (dev, us-east-1)', () => {
  let t: Template;
  beforeAll(() => {
    const app = testApp(dev);
    t = app.template(app.stacks.regional[0]!);
  });

  describe('functions', () => {
    const functions = () =>
      resources(t, 'AWS::Lambda::Function').filter(([id]) =>
        /^Broker(Api|Worker|Reconciler)Function/.test(id),
      );

    it('are three: Node.js 24 on arm64, X-Ray active, in the VPC with a security group, JSON logs', () => {
      expect(functions()).toHaveLength(3);
      for (const [, fn] of functions()) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          VpcConfig: { SubnetIds: expect.any(Array), SecurityGroupIds: [expect.anything()] },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
        });
        expect((fn.Properties!.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(2);
      }
    });

    it('have reserved concurrency from the stage config', () => {
      const reserved = Object.fromEntries(
        functions().map(([id, fn]) => [
          id.replace(/^Broker(\w+?)Function.*/, '$1'),
          fn.Properties!.ReservedConcurrentExecutions,
        ]),
      );
      expect(reserved).toEqual({
        Api: dev.functions.api.reservedConcurrency,
        Worker: dev.functions.worker.reservedConcurrency,
        Reconciler: dev.functions.reconciler.reservedConcurrency,
      });
    });

    it('get exactly the broker environment', () => {
      for (const [id, fn] of functions()) {
        const vars = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(Object.keys(vars).sort()).toEqual(
          [
            'HCB_TABLE_NAME',
            'HCB_QUEUE_URL',
            'HCB_JWT_ISSUER',
            'HCB_JWT_AUDIENCE',
            'HCB_JWKS_URL',
            'HCB_POLICIES_DIR',
            'HCB_AUDIT_CHAIN',
            'HCB_OPENSTACK_SECRET_ARN',
            'HCB_CURSOR_SECRET_ARN',
            'HCB_AUDIT_ANCHOR',
            'HCB_AUDIT_KEY_SECRET',
            'HCB_PUBLIC_URL',
            'POWERTOOLS_SERVICE_NAME',
            'POWERTOOLS_METRICS_NAMESPACE',
            'LOG_LEVEL',
          ].sort(),
        );
        expect(vars).toMatchObject({
          HCB_TABLE_NAME: 'hcb-dev-broker',
          HCB_JWT_ISSUER: dev.idp.issuer,
          HCB_JWT_AUDIENCE: dev.idp.audience,
          HCB_JWKS_URL: dev.idp.jwksUrl,
          HCB_POLICIES_DIR: '/var/task/policies',
          HCB_AUDIT_CHAIN: 'us-east-1',
          HCB_PUBLIC_URL: `https://${dev.api.domainName}`,
          HCB_OPENSTACK_SECRET_ARN: { Ref: expect.stringMatching(/^OpenStackSecret/) },
          HCB_CURSOR_SECRET_ARN: { Ref: expect.stringMatching(/^CursorSecret/) },
          HCB_QUEUE_URL: { Ref: expect.stringMatching(/^BrokerOperationsQueue/) },
          LOG_LEVEL: dev.functions.logLevel,
          POWERTOOLS_SERVICE_NAME: `hcb-${id.replace(/^Broker(\w+?)Function.*/, '$1').toLowerCase()}`,
        });
      }
    });

    it('log into their own KMS-encrypted log groups with retention', () => {
      const logGroups = resources(t, 'AWS::Logs::LogGroup');
      expect(logGroups.length).toBeGreaterThanOrEqual(5); // 3 functions, API access logs, VPC flow logs
      for (const [, lg] of logGroups) {
        expect(lg.Properties).toMatchObject({
          KmsKeyId: expect.anything(),
          RetentionInDays: dev.observability.logRetentionDays,
        });
        expect(lg.DeletionPolicy).toBe('Retain');
      }
    });
  });

  describe('least privilege', () => {
    it('never grants a wildcard action, and `*` resources only where AWS requires them', () => {
      const statements = resources(t, 'AWS::IAM::ManagedPolicy').flatMap(
        ([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      for (const s of statements) {
        for (const action of asArray(s.Action)) expect(action).not.toMatch(/\*/);
        if (asArray(s.Resource).includes('*'))
          for (const action of asArray(s.Action))
            expect(action).toMatch(
              /^(ec2:.*NetworkInterface|ec2:DescribeSubnets|ec2:(Un)?[aA]ssignPrivateIpAddresses|xray:Put)/,
            );
      }
      expect(resources(t, 'AWS::IAM::Policy')).toEqual([]); // no inline policies (HIPAA IAMNoInlinePolicy)
    });

    it('gives table item access (no admin; a scan to the reconciler alone) to the three functions, idempotency only to the API', () => {
      const tableArn = 'arn:aws:dynamodb:us-east-1:111111111111:table/hcb-dev-broker';
      for (const fn of ['Api', 'Worker', 'Reconciler'] as const) {
        const statements = functionStatements(t, fn);
        const table = statements.find((s) => s.Sid === 'BrokerTableItems')!;
        expect(table.Resource).toEqual([tableArn, `${tableArn}/index/gsi1`, `${tableArn}/index/gsi2`]);
        expect(asArray(table.Action).sort()).toEqual([...TABLE_DATA_ACTIONS].sort());
        // Only the reconciler scans, and only the table (its once-per-pass read of every record).
        const scan = statements.find((s) => s.Sid === 'BrokerTableScan');
        expect(actionsOf(statements).includes('dynamodb:Scan')).toBe(fn === 'Reconciler');
        if (fn === 'Reconciler') expect(scan).toMatchObject({ Action: 'dynamodb:Scan', Resource: tableArn });
        expect(statements.find((s) => s.Sid === 'IdempotencyTableItems') !== undefined).toBe(fn === 'Api');
        // I3: audit records can be appended, never rewritten or deleted.
        expect(statements.find((s) => s.Sid === 'AuditAppendOnly')).toMatchObject({
          Effect: 'Deny',
          Action: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
          Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
        });
      }
    });

    it('lets all three send to the queue, only the worker consume it', () => {
      for (const fn of ['Api', 'Worker', 'Reconciler'] as const) {
        const actions = actionsOf(functionStatements(t, fn));
        expect(actions).toContain('sqs:SendMessage');
        expect(actions.includes('sqs:ReceiveMessage')).toBe(fn === 'Worker');
        expect(actions).toContain('secretsmanager:GetSecretValue');
      }
    });

    it('scopes KMS use of the table key to DynamoDB', () => {
      for (const fn of ['Api', 'Worker', 'Reconciler'] as const) {
        expect(functionStatements(t, fn).find((s) => s.Sid === 'BrokerTableKey')).toMatchObject({
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysDataKey/), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
        });
      }
    });
  });

  describe('queue and schedule', () => {
    it('encrypts every queue with the messaging key and enforces TLS', () => {
      const queues = resources(t, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(3);
      for (const [, q] of queues)
        expect(q.Properties!.KmsMasterKeyId).toEqual({
          'Fn::GetAtt': [expect.stringMatching(/^KeysMessagingKey/), 'Arn'],
        });
      for (const [, p] of resources(t, 'AWS::SQS::QueuePolicy'))
        expect(JSON.stringify(p.Properties)).toContain('"aws:SecureTransport":"false"');
    });

    it('parks messages in a dead-letter queue after maxReceiveCount', () => {
      t.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BrokerDeadLetterQueue'), 'Arn'] },
          maxReceiveCount: dev.queue.maxReceiveCount,
        },
        VisibilityTimeout: 6 * dev.functions.worker.timeoutSeconds,
      });
    });

    it('feeds the worker with partial batch failure reporting, capped at its reserved concurrency', () => {
      t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: Match.stringLikeRegexp('^BrokerWorkerFunction') },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: dev.functions.worker.reservedConcurrency },
      });
    });

    it('runs the reconciler every 5 minutes, failed runs into its own dead-letter queue', () => {
      t.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BrokerReconcilerFunction'), 'Arn'] },
          }),
        ],
      });
      t.hasResourceProperties('AWS::Lambda::Function', {
        DeadLetterConfig: {
          TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BrokerReconcilerDeadLetterQueue'), 'Arn'] },
        },
      });
    });
  });

  describe('encryption and secrets', () => {
    it('rotates every KMS key and retains it', () => {
      const keys = resources(t, 'AWS::KMS::Key');
      expect(keys).toHaveLength(4);
      for (const [, k] of keys) {
        expect(k.Properties!.EnableKeyRotation).toBe(true);
        expect(k.DeletionPolicy).toBe('Retain');
      }
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/hcb/dev/data' });
    });

    it('keeps the OpenStack credentials in a KMS-encrypted secret with a stable name', () => {
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'hcb/dev/openstack',
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysSecretsKey'), 'Arn'] },
      });
    });

    it('anchors audit heads in an Object Lock bucket only the API may write to, never delete from', () => {
      const buckets = resources(t, 'AWS::S3::Bucket');
      expect(buckets).toHaveLength(1);
      const [, bucket] = buckets[0]!;
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: dev.audit.anchorRetentionDays } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      const api = actionsOf(functionStatements(t, 'Api'));
      expect(api).toEqual(expect.arrayContaining(['s3:PutObject', 's3:ListBucket']));
      for (const fn of ['Api', 'Worker', 'Reconciler'] as const) {
        const actions = actionsOf(functionStatements(t, fn)).filter((a) => a.startsWith('s3:'));
        expect(actions.filter((a) => /Delete|Retention|LegalHold|BypassGovernance/.test(a))).toEqual([]);
        if (fn !== 'Api') expect(actions).toEqual([]);
      }
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'hcb/dev/audit-key-digest',
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysSecretsKey'), 'Arn'] },
      });
    });

    it("encrypts the alarm topic and lets only this account's alarms publish", () => {
      t.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysMessagingKey'), 'Arn'] },
      });
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: dev.observability.alarmEmail,
      });
    });
  });

  describe('network', () => {
    it('has public, private-with-egress and isolated subnets, no public IPs on launch', () => {
      const subnets = resources(t, 'AWS::EC2::Subnet');
      expect(subnets).toHaveLength(3 * dev.regions[0]!.availabilityZones.length);
      for (const [, s] of subnets) expect(s.Properties!.MapPublicIpOnLaunch).toBe(false);
      t.resourceCountIs('AWS::EC2::NatGateway', dev.regions[0]!.natGateways);
    });

    it('connects one VPN per hospital site, static routes for static sites, propagated to private subnets', () => {
      for (const site of dev.hospital.sites) {
        t.hasResourceProperties('AWS::EC2::CustomerGateway', {
          IpAddress: site.gatewayIp,
          BgpAsn: site.bgpAsn,
        });
        t.hasResourceProperties('AWS::EC2::VPNConnection', {
          CustomerGatewayId: { Ref: Match.stringLikeRegexp(`^NetworkVpcVpn${site.name}CustomerGateway`) },
          StaticRoutesOnly: site.routing === 'static',
        });
      }
      const staticCidrs = dev.hospital.sites.filter((s) => s.routing === 'static').flatMap((s) => s.cidrs);
      expect(
        resources(t, 'AWS::EC2::VPNConnectionRoute').map(([, r]) => r.Properties!.DestinationCidrBlock),
      ).toEqual(staticCidrs);
      const propagation = resources(t, 'AWS::EC2::VPNGatewayRoutePropagation')[0]![1];
      expect((propagation.Properties!.RouteTableIds as unknown[]).length).toBe(
        2 * dev.regions[0]!.availabilityZones.length,
      );
      t.hasResourceProperties('AWS::EC2::VPNGateway', { AmazonSideAsn: dev.regions[0]!.vpnGatewayAsn });
    });

    it('reaches DynamoDB, SQS, Secrets Manager, KMS and CloudWatch Logs through VPC endpoints', () => {
      const services = resources(t, 'AWS::EC2::VPCEndpoint').map(([, e]) => [
        JSON.stringify(e.Properties!.ServiceName),
        e.Properties!.VpcEndpointType ?? 'Gateway',
      ]);
      const expected = {
        dynamodb: 'Gateway',
        s3: 'Gateway',
        sqs: 'Interface',
        secretsmanager: 'Interface',
        kms: 'Interface',
        logs: 'Interface',
      };
      for (const [service, type] of Object.entries(expected))
        expect(services).toContainEqual([expect.stringContaining(`.${service}`), type]);
    });

    it('lets the functions out on HTTPS and to the OpenStack ports of the hospital networks only', () => {
      const [, sg] = resources(t, 'AWS::EC2::SecurityGroup').find(([id]) =>
        id.startsWith('NetworkFunctionSecurityGroup'),
      )!;
      const egress = sg.Properties!.SecurityGroupEgress as { CidrIp: string; FromPort: number }[];
      expect(egress).toContainEqual(
        expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
      );
      const hospital = new Set(dev.hospital.sites.flatMap((s) => s.cidrs));
      for (const rule of egress.filter((r) => r.CidrIp !== '0.0.0.0/0')) {
        expect(hospital.has(rule.CidrIp)).toBe(true);
        expect(dev.hospital.openstackPorts).toContain(rule.FromPort);
      }
      expect(sg.Properties!.SecurityGroupIngress).toBeUndefined();
    });

    it('logs VPC flows', () => {
      t.hasResourceProperties('AWS::EC2::FlowLog', {
        LogDestinationType: 'cloud-watch-logs',
        TrafficType: 'ALL',
      });
    });
  });

  describe('API', () => {
    it("authorizes with the IdP's JWTs (issuer and audience from config)", () => {
      t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: { Issuer: dev.idp.issuer, Audience: [dev.idp.audience] },
        IdentitySource: ['$request.header.Authorization'],
      });
    });

    it('requires a token on every route but the public ones', () => {
      const routes = resources(t, 'AWS::ApiGatewayV2::Route').map(
        ([, r]) => r.Properties as { RouteKey: string; AuthorizationType: string },
      );
      expect(routes.filter((r) => r.AuthorizationType === 'JWT').map((r) => r.RouteKey)).toEqual([
        'ANY /{proxy+}',
      ]);
      expect(
        routes
          .filter((r) => r.AuthorizationType !== 'JWT')
          .map((r) => r.RouteKey)
          .sort(),
      ).toEqual(
        publicRoutes(dev)
          .map((p) => `GET ${p}`)
          .sort(),
      );
      expect(publicRoutes(prod)).toEqual(['/healthz']);
    });

    it('throttles the stage and writes JSON access logs', () => {
      t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: {
          ThrottlingRateLimit: dev.api.throttle.rateLimit,
          ThrottlingBurstLimit: dev.api.throttle.burstLimit,
        },
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
        },
      });
    });

    it('serves the custom domain (TLS 1.2), latency-routed with a /healthz health check on this region', () => {
      t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: dev.api.domainName,
        DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
      });
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({ Type: 'HTTPS', ResourcePath: '/healthz', Port: 443 }),
      });
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${dev.api.domainName}.`,
        Type: 'A',
        Region: 'us-east-1',
        SetIdentifier: 'api-us-east-1',
        HostedZoneId: dev.dns.hostedZoneId,
        HealthCheckId: { Ref: Match.stringLikeRegexp('^ApiHealthCheck') },
      });
    });
  });

  describe('alarms', () => {
    const alarms = () =>
      resources(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Record<string, unknown>);
    const find = (metric: string, dimensionRef: RegExp) =>
      alarms().filter(
        (a) => a.MetricName === metric && JSON.stringify(a.Dimensions ?? []).match(dimensionRef) !== null,
      );

    it("pages on dead-letter queue depth > 0, worker errors, API 5xx and every function's throttles", () => {
      expect(find('ApproximateNumberOfMessagesVisible', /BrokerDeadLetterQueue/)).toEqual([
        expect.objectContaining({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' }),
      ]);
      expect(find('ApproximateNumberOfMessagesVisible', /BrokerReconcilerDeadLetterQueue/)).toHaveLength(1);
      expect(find('Errors', /BrokerWorkerFunction/)).toHaveLength(1);
      expect(find('5xx', /ApiHttpApi/)).toEqual([
        expect.objectContaining({
          Threshold: dev.observability.api5xxThreshold,
          Namespace: 'AWS/ApiGateway',
        }),
      ]);
      for (const fn of ['Api', 'Worker', 'Reconciler'])
        expect(find('Throttles', new RegExp(`Broker${fn}Function`))).toHaveLength(1);
    });

    it('send alarms and recoveries to the topic', () => {
      for (const a of alarms()) {
        expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
        expect(a.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      }
    });
  });
});

describe('regional stacks (prod)', () => {
  it('exist per configured region, with prod sizing', () => {
    const app = testApp(prod);
    expect(app.stacks.regional.map((s) => [s.stackName, s.region])).toEqual(
      prod.regions.map((r) => [`hcb-prod-regional-${r.region}`, r.region]),
    );
    const t = app.template(app.stacks.regional[1]!);
    t.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: prod.functions.api.reservedConcurrency,
    });
    t.resourceCountIs('AWS::EC2::NatGateway', 3);
    expect(app.stacks.regional.every((s) => s.terminationProtection)).toBe(true);
  });
});
