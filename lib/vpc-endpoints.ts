import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { AwsService } from '../contract/stage-access';

/** The interface endpoint of each service the stages may call. */
const INTERFACE_SERVICE: Readonly<Record<AwsService, ec2.InterfaceVpcEndpointAwsService>> = {
  s3: ec2.InterfaceVpcEndpointAwsService.S3,
  secretsmanager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  lambda: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
};

export interface VpcEndpointsProps {
  readonly vpc: ec2.IVpc;
  /** Where the interface endpoints' network interfaces go: the functions' subnets. */
  readonly subnets: ec2.ISubnet[];
  /** The functions' group, admitted on 443 by the endpoints' own group. */
  readonly clients: ec2.ISecurityGroup;
  /** Every service the functions call, usually `servicesReached(Object.values(STAGE_ACCESS))`. */
  readonly services: readonly AwsService[];
  /**
   * The subnets' route tables: S3 then gets a gateway endpoint (free, routed by prefix list)
   * instead of an interface endpoint. @default - none: S3 through an interface endpoint
   */
  readonly routeTableIds?: readonly string[];
}

/**
 * A private route from the functions' subnets to every AWS service they call, so a VPC without
 * a NAT gateway still runs the pipeline. Interface endpoints have private DNS on: the SDK's
 * usual host names resolve to them, and the functions need no endpoint setting.
 */
export class VpcEndpoints extends Construct {
  /** The endpoints' group; it admits HTTPS from the functions and nothing else. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** One endpoint per service, by service. */
  public readonly endpoints: ReadonlyMap<AwsService, ec2.IVpcEndpoint | ec2.CfnVPCEndpoint>;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Deliverance VPC endpoints: HTTPS from the functions',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      props.clients,
      ec2.Port.tcp(443),
      'HTTPS from the Deliverance functions',
    );
    const endpoints = new Map<AwsService, ec2.IVpcEndpoint | ec2.CfnVPCEndpoint>();
    for (const service of props.services) {
      const name = `${service[0]?.toUpperCase()}${service.slice(1)}`;
      if (service === 's3' && props.routeTableIds && props.routeTableIds.length > 0) {
        // The L2 gateway endpoint reads route tables from looked-up subnets; these are imported
        // by id, so the tables come from the configuration.
        endpoints.set(
          service,
          new ec2.CfnVPCEndpoint(this, `${name}Gateway`, {
            vpcId: props.vpc.vpcId,
            serviceName: ec2.GatewayVpcEndpointAwsService.S3.name,
            vpcEndpointType: ec2.VpcEndpointType.GATEWAY,
            routeTableIds: [...props.routeTableIds],
          }),
        );
        continue;
      }
      endpoints.set(
        service,
        new ec2.InterfaceVpcEndpoint(this, name, {
          vpc: props.vpc,
          service: INTERFACE_SERVICE[service],
          subnets: { subnets: props.subnets },
          securityGroups: [this.securityGroup],
          // Only the functions' group, never the whole VPC's range.
          open: false,
          privateDnsEnabled: true,
        }),
      );
    }
    this.endpoints = endpoints;
  }
}
