import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { RegionConfig, StageConfig } from '../config/stage-config.ts';
import { acknowledge, HIPAA } from '../nag/acknowledge.ts';

export interface BrokerApiProps {
  readonly config: StageConfig;
  readonly region: RegionConfig;
  readonly handler: lambda.IFunction;
  readonly logsKey: kms.IKey;
  /** Origins allowed to call the API from a browser (the admin portal). */
  readonly corsOrigins: readonly string[];
}

/** Routes served without a token: liveness for the Route 53 health checks, and (if enabled) the API docs. */
export function publicRoutes(config: StageConfig): string[] {
  return ['/healthz', ...(config.api.publicDocs ? ['/openapi.json', '/docs', '/docs/{proxy+}'] : [])];
}

/**
 * The regional HTTP API: a JWT authorizer (the hospital IdP's issuer and audience) in front of every route
 * but the public ones, stage throttling, JSON access logs in a KMS-encrypted log group, and the custom
 * domain with a TLS 1.2 policy. Route 53 sends each client to the closest region whose `/healthz` answers.
 *
 * No WAF here: AWS WAF cannot be associated with API Gateway HTTP APIs (only REST APIs, ALB, CloudFront…).
 * The API's protections are the JWT authorizer, stage throttling and the functions' reserved concurrency.
 */
export class BrokerApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly domainName: apigwv2.DomainName;
  readonly healthCheck: route53.HealthCheck;

  constructor(scope: Construct, id: string, props: BrokerApiProps) {
    super(scope, id);
    const { config } = props;
    const region = Stack.of(this).region;

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `hcb-${config.stage}`,
      description: `hcb ${config.stage} broker API (${region})`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.corsOrigins],
        allowMethods: [apigwv2.CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        exposeHeaders: ['location'],
        maxAge: Duration.hours(1),
      },
    });

    const integration = new HttpLambdaIntegration('Broker', props.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpJwtAuthorizer('Jwt', config.idp.issuer, {
      authorizerName: 'idp-jwt',
      jwtAudience: [config.idp.audience],
    });
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration, authorizer });
    for (const path of publicRoutes(config)) {
      const [route] = this.httpApi.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration });
      acknowledge(
        route!,
        'AwsSolutions-APIG4',
        HIPAA.accessControl,
        `GET ${path} is deliberately public: ${path === '/healthz' ? 'Route 53 health checks call it without a token; it returns liveness only, no data' : 'the OpenAPI document and its viewer describe the API and hold no data'}. Every other route requires a JWT from the IdP.`,
      );
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.logsKey,
      retention: config.observability.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const certificate = props.region.apiCertificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.region.apiCertificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: config.api.domainName,
          validation: acm.CertificateValidation.fromDns(hostedZone(this, config)),
        });
    this.domainName = new apigwv2.DomainName(this, 'DomainName', {
      domainName: config.api.domainName,
      certificate,
      endpointType: apigwv2.EndpointType.REGIONAL,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });

    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.api.throttle,
      detailedMetricsEnabled: false,
      domainMapping: { domainName: this.domainName },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // Ids, status and timings only: no query strings, no bodies, no tokens (I2: logs keep no PHI).
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            sourceIp: '$context.identity.sourceIp',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            subject: '$context.authorizer.claims.sub',
            tenant: '$context.authorizer.claims.tenant',
          }),
        ),
      },
    });
    acknowledge(
      this.stage,
      'AwsSolutions-APIG3',
      HIPAA.riskManagement,
      'AWS WAF cannot be associated with API Gateway HTTP APIs. Mitigations: JWT authorizer on every data route, stage throttling, reserved concurrency on the API function; the portal (CloudFront) has a WAF. (cdk-nag only evaluates this rule for REST API stages, so this acknowledgement documents the decision.)',
    );

    // Route 53 health check on this region's own endpoint (not the latency-routed name).
    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.HTTPS,
      fqdn: `${this.httpApi.apiId}.execute-api.${region}.${Aws.URL_SUFFIX}`,
      port: 443,
      resourcePath: '/healthz',
      requestInterval: Duration.seconds(30),
      failureThreshold: 3,
      enableSNI: true,
    });
    new route53.ARecord(this, 'LatencyRecord', {
      zone: hostedZone(this, config),
      recordName: config.api.domainName,
      target: route53.RecordTarget.fromAlias(
        new route53Targets.ApiGatewayv2DomainProperties(
          this.domainName.regionalDomainName,
          this.domainName.regionalHostedZoneId,
        ),
      ),
      region,
      setIdentifier: `api-${region}`,
      healthCheck: this.healthCheck,
    });
  }
}

/** The stage's public hosted zone, by id and name from config (no lookup). One instance per stack. */
export function hostedZone(scope: Construct, config: StageConfig): route53.IHostedZone {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild('HostedZone');
  if (existing) return existing as route53.IHostedZone;
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'HostedZone', {
    hostedZoneId: config.dns.hostedZoneId,
    zoneName: config.dns.zoneName,
  });
}
