import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RegionConfig, StageConfig } from './config/stage-config.ts';
import { Alarms } from './constructs/alarms.ts';
import { AuditIntegrity } from './constructs/audit-integrity.ts';
import { Broker } from './constructs/broker.ts';
import { BrokerApi } from './constructs/broker-api.ts';
import type { FunctionCode } from './constructs/broker-function.ts';
import { BrokerDashboard } from './constructs/dashboard.ts';
import { Network } from './constructs/network.ts';
import { RegionalKeys } from './constructs/regional-keys.ts';
import { acknowledge, HIPAA } from './nag/acknowledge.ts';
import { names } from './naming.ts';

export interface RegionalStackProps extends StackProps {
  readonly config: StageConfig;
  readonly region: RegionConfig;
  readonly code: FunctionCode;
}

/**
 * Everything the broker runs in one AWS region (active-active; one such stack per configured region):
 * KMS keys, the OpenStack credentials secret, the VPC with its VPN to the hospital, the operations queue,
 * the three functions, the HTTP API with its custom domain, latency record and health check, and alarms.
 * It reads and writes this region's replica of the global tables, addressed by name; the data stack
 * (deployed after all regional stacks) creates them, encrypted with the `data` key defined here.
 */
export class RegionalStack extends Stack {
  readonly keys: RegionalKeys;
  readonly network: Network;
  readonly openstackSecret: secretsmanager.Secret;
  readonly cursorSecret: secretsmanager.Secret;
  readonly audit: AuditIntegrity;
  readonly broker: Broker;
  readonly api: BrokerApi;
  readonly alarms: Alarms;
  readonly dashboard: BrokerDashboard;
  readonly #zones: string[];

  /**
   * The configured zones. CDK's default asks the account (an `availability-zones` context lookup) when
   * the stack has an explicit environment, which the CLI cannot answer offline; synth must need no AWS.
   */
  override get availabilityZones(): string[] {
    return this.#zones;
  }

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    this.#zones = [...props.region.availabilityZones];
    const { config } = props;

    this.keys = new RegionalKeys(this, 'Keys', {
      stage: config.stage,
      dataKeyAlias: names.dataKeyAlias(config),
    });

    this.network = new Network(this, 'Network', {
      region: props.region,
      sites: config.hospital.sites,
      openstackPorts: config.hospital.openstackPorts,
      logsKey: this.keys.logs,
      logRetentionDays: config.observability.logRetentionDays,
    });

    // The value is set out of band (`aws secretsmanager put-secret-value`, docs/deploy.md), never in git.
    // Changing generateSecretString later would make CloudFormation overwrite the stored credential.
    this.openstackSecret = new secretsmanager.Secret(this, 'OpenStackSecret', {
      secretName: names.openstackSecretName(config),
      description: 'OpenStack application credential(s) the broker authenticates to Keystone with (JSON).',
      encryptionKey: this.keys.secrets,
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ applicationCredentialId: 'set-me-with-put-secret-value' }),
        generateStringKey: 'applicationCredentialSecret',
        excludePunctuation: true,
      },
    });
    for (const rule of ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled'])
      acknowledge(
        this.openstackSecret,
        rule,
        HIPAA.passwordManagement,
        "OpenStack application credentials are issued by the hospital's Keystone, not by AWS: they are rotated by creating a new application credential in Keystone and putting it with `aws secretsmanager put-secret-value` (runbook in docs/deploy.md). The broker re-reads the secret on every Keystone authentication, so a rotation needs no deploy.",
      );

    // The key list cursors are signed with (persistence/cursor.ts): generated here, never seen by anyone.
    this.cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      secretName: names.cursorSecretName(config),
      description: 'HMAC key the broker signs list cursors with (generated; read at cold start).',
      encryptionKey: this.keys.secrets,
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    for (const rule of ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled'])
      acknowledge(
        this.cursorSecret,
        rule,
        HIPAA.passwordManagement,
        'The cursor key protects only list continuation tokens, which live minutes: rotate it by putting a new random value (docs/deploy.md). Outstanding cursors then fail with 400 cursor.invalid and clients restart their listing; nothing else depends on it.',
      );
    this.audit = new AuditIntegrity(this, 'AuditIntegrity', {
      config,
      dataKey: this.keys.data,
      secretsKey: this.keys.secrets,
    });

    const publicUrl = `https://${config.api.domainName}`;
    this.broker = new Broker(this, 'Broker', {
      config,
      vpc: this.network.vpc,
      vpcSubnets: this.network.functionSubnets,
      securityGroup: this.network.functionSecurityGroup,
      keys: this.keys,
      openstackSecret: this.openstackSecret,
      cursorSecret: this.cursorSecret,
      publicUrl,
      audit: this.audit,
      code: props.code,
    });

    this.api = new BrokerApi(this, 'Api', {
      config,
      region: props.region,
      handler: this.broker.api.function,
      logsKey: this.keys.logs,
      corsOrigins: [`https://${config.portal.domainName}`],
    });

    this.alarms = new Alarms(this, 'Alarms', {
      config,
      broker: this.broker,
      httpApi: this.api.httpApi,
      messagingKey: this.keys.messaging,
    });

    this.dashboard = new BrokerDashboard(this, 'Dashboard', {
      dashboardName: names.dashboardName(config, props.region.region),
      broker: this.broker,
    });

    new CfnOutput(this, 'ApiUrl', { value: publicUrl, description: 'Latency-routed API URL' });
    new CfnOutput(this, 'RegionalApiEndpoint', {
      value: this.api.httpApi.apiEndpoint,
      description: "This region's own API endpoint (health checks, debugging)",
    });
    new CfnOutput(this, 'OpenStackSecretArn', { value: this.openstackSecret.secretArn });
    new CfnOutput(this, 'AuditAnchorBucketName', { value: this.audit.anchorBucket.bucketName });
    new CfnOutput(this, 'OperationsDeadLetterQueueUrl', { value: this.broker.deadLetterQueue.queueUrl });
  }
}
