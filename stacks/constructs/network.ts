import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HospitalSite, RegionConfig } from '../config/stage-config.ts';
import { acknowledge, HIPAA } from '../nag/acknowledge.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';

export interface NetworkProps {
  readonly region: RegionConfig;
  readonly sites: readonly HospitalSite[];
  readonly openstackPorts: readonly number[];
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
}

/**
 * The broker's network in one region:
 * - public subnets hold only the NAT gateways (no instance gets a public address);
 * - `app` subnets (private, egress through NAT) hold the functions' network interfaces;
 * - `endpoints` subnets (isolated) hold the interface endpoints of the AWS services the functions call,
 *   so AWS traffic never needs the NAT;
 * - a virtual private gateway with one site-to-site VPN per hospital data centre; its routes (static, or
 *   learned over BGP) are propagated to the private route tables, so OpenStack's APIs on the hospital
 *   networks are reached over the VPN, never the internet.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** The functions' security group: egress only, to HTTPS and the OpenStack API ports of the hospital networks. */
  readonly functionSecurityGroup: ec2.SecurityGroup;
  readonly functionSubnets: ec2.SubnetSelection = { subnetGroupName: 'app' };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { region } = props;

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const flowLogRole = new ManagedPolicyRole(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: 'VPC flow logs delivery to CloudWatch Logs',
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(region.vpcCidr),
      availabilityZones: [...region.availabilityZones],
      natGateways: region.natGateways,
      natGatewaySubnets: { subnetGroupName: 'public' },
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 27, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'endpoints', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
      ],
      restrictDefaultSecurityGroup: true,
      vpnGateway: true,
      vpnGatewayAsn: region.vpnGatewayAsn,
      vpnRoutePropagation: [{ subnetGroupName: 'app' }, { subnetGroupName: 'endpoints' }],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });

    // CloudFormation's linter prefers Fn::GetAZs; the zones are pinned on purpose (see the reason).
    acknowledge(
      this.vpc,
      'CloudFormation-Validate::W3010',
      HIPAA.contingencyPlan,
      'the zones are chosen per region in the stage config (stacks/config) so that synth needs no AWS account or availability-zone lookup, and the subnets the hospital VPN routes to never move between deployments; operators pick zone names for the account they deploy to.',
    );

    for (const site of props.sites) {
      this.vpc.addVpnConnection(`Vpn-${site.name}`, {
        ip: site.gatewayIp,
        asn: site.bgpAsn,
        ...(site.routing === 'static' ? { staticRoutes: [...site.cidrs] } : {}),
      });
    }

    this.functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'hcb functions: HTTPS out, OpenStack API ports to the hospital networks',
      allowAllOutbound: false,
    });
    this.functionSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: AWS endpoints, the IdP JWKS, AWS targets in other regions',
    );
    // 443 to anywhere (above) already covers TLS-terminating OpenStack endpoints on 443.
    const openstackPorts = props.openstackPorts.filter((port) => port !== 443);
    for (const site of props.sites)
      for (const cidr of site.cidrs)
        for (const port of openstackPorts)
          this.functionSecurityGroup.addEgressRule(
            ec2.Peer.ipv4(cidr),
            ec2.Port.tcp(port),
            `OpenStack ${site.name} ${port}`,
          );

    // AWS services the functions call, reached privately (DynamoDB and S3 through free gateway endpoints).
    const privateSubnets = [{ subnetGroupName: 'app' }, { subnetGroupName: 'endpoints' }];
    this.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: privateSubnets,
    });
    this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: privateSubnets,
    });
    // Interface endpoints accept HTTPS from the functions only.
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'hcb interface endpoints: HTTPS from the functions',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(
      this.functionSecurityGroup,
      ec2.Port.tcp(443),
      'HTTPS from hcb functions',
    );
    const interfaceEndpoints = {
      SqsEndpoint: ec2.InterfaceVpcEndpointAwsService.SQS,
      SecretsManagerEndpoint: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      KmsEndpoint: ec2.InterfaceVpcEndpointAwsService.KMS,
      LogsEndpoint: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    };
    for (const [endpointId, service] of Object.entries(interfaceEndpoints)) {
      this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets: { subnetGroupName: 'endpoints' },
        privateDnsEnabled: true,
        securityGroups: [endpointSecurityGroup],
        open: false,
      });
    }

    // The public subnets exist only for the NAT gateways; their default route must point at the internet gateway.
    for (const subnet of this.vpc.publicSubnets) {
      acknowledge(
        subnet,
        'HIPAA.Security-VPCNoUnrestrictedRouteToIGW',
        HIPAA.transmissionSecurity,
        'public subnets hold only NAT gateways (no instances, no public IPs on launch); the 0.0.0.0/0 route to the internet gateway is what a NAT gateway needs. Functions run in private subnets.',
      );
    }
  }
}
