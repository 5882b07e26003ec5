import { Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { STAGE_ACCESS, servicesReached } from '../contract/stage-access';
import type { NetworkConfig } from './config';
import type { FunctionNetwork } from './pipeline-function';
import { VpcEndpoints } from './vpc-endpoints';

export type DatabaseNetworkProps = NetworkConfig;

/**
 * The existing VPC, subnets and security group through which the functions reach RDS, and with
 * `vpcEndpoints` the endpoints through which they reach every AWS service they call.
 * Everything is imported by id, not looked up, so synth needs no AWS credentials.
 */
export class DatabaseNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly subnets: ec2.ISubnet[];
  /** Give this group access to the databases' port in their own security groups. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Present with `vpcEndpoints`: one endpoint per service the stages reach (`STAGE_ACCESS`). */
  public readonly endpoints?: VpcEndpoints;

  constructor(scope: Construct, id: string, props: DatabaseNetworkProps) {
    super(scope, id);
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: props.vpcId,
      // Only the subnets below are used; the list of zones is needed by the type, not by Lambda.
      availabilityZones: Fn.getAzs(),
    });
    this.subnets = props.subnetIds.map((subnetId, index) =>
      ec2.Subnet.fromSubnetId(this, `Subnet${index}`, subnetId),
    );
    this.securityGroup = props.securityGroupId
      ? ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', props.securityGroupId, {
          mutable: false,
        })
      : new ec2.SecurityGroup(this, 'SecurityGroup', {
          vpc: this.vpc,
          description:
            'Deliverance functions: outbound to the databases, S3, SSM and Secrets Manager',
          allowAllOutbound: true,
        });
    if (props.vpcEndpoints) {
      this.endpoints = new VpcEndpoints(this, 'Endpoints', {
        vpc: this.vpc,
        subnets: this.subnets,
        clients: this.securityGroup,
        services: servicesReached(Object.values(STAGE_ACCESS)),
        routeTableIds: props.routeTableIds,
      });
    }
  }

  /** The settings a `PipelineFunction` takes to run inside this network. */
  get functionNetwork(): FunctionNetwork {
    return {
      vpc: this.vpc,
      subnets: { subnets: this.subnets },
      securityGroups: [this.securityGroup],
    };
  }
}
