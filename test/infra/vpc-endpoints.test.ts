import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { STAGE_ACCESS, servicesReached } from '../../contract/stage-access';
import { PROJECT_ROOT } from '../../lib/pipeline-function';
import { FULL_CONTEXT, synthesize } from './support/synth';

type Resource = { Properties: Record<string, unknown> };

const REACHED = servicesReached(Object.values(STAGE_ACCESS));

/** The service of each endpoint, from its name `com.amazonaws.<region>.<service>`. */
function endpointServices(template: Template, type: 'Interface' | 'Gateway'): string[] {
  const endpoints = template.findResources('AWS::EC2::VPCEndpoint', {
    Properties: { VpcEndpointType: type },
  });
  return Object.values(endpoints)
    .map((e) =>
      /\.([a-z0-9-]+)"\]\]\}$/.exec(JSON.stringify((e as Resource).Properties.ServiceName)),
    )
    .map((match) => match?.[1] ?? 'an endpoint name of another form')
    .sort();
}

/**
 * The service of every AWS SDK client and Powertools provider the Lambda code imports: a stage
 * that starts calling another service shows up here even if `STAGE_ACCESS` does not declare it.
 */
function servicesTheLambdaCodeImports(): string[] {
  const prefixOf: Readonly<Record<string, string>> = {
    'sdk/client-s3': 's3',
    'sdk/lib-storage': 's3',
    'sdk/client-ssm': 'ssm',
    'sdk/client-secrets-manager': 'secretsmanager',
    'sdk/client-lambda': 'lambda',
    'lambda-powertools/parameters/ssm': 'ssm',
    'lambda-powertools/parameters/secrets': 'secretsmanager',
  };
  const found = new Set<string>();
  const read = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) read(file);
      if (!file.endsWith('.ts')) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const [, module] of text.matchAll(
        /from '@aws-((?:sdk\/(?:client|lib)-[a-z0-9-]+)|lambda-powertools\/parameters\/[a-z]+)'/g,
      )) {
        found.add(prefixOf[module ?? ''] ?? `${module} (imported by ${file}) of no known service`);
      }
    }
  };
  read(path.join(PROJECT_ROOT, 'lambdas'));
  return [...found].sort();
}

describe('VPC endpoints', () => {
  const withEndpoints = synthesize(FULL_CONTEXT).template;

  it('derive from STAGE_ACCESS the four services the stages call, and the Lambda code imports no other', () => {
    expect(REACHED).toEqual(['lambda', 's3', 'secretsmanager', 'ssm']);
    expect(servicesTheLambdaCodeImports()).toEqual(REACHED);
  });

  it('with vpcEndpoints, one private-DNS interface endpoint per service the stages reach, in the functions subnets', () => {
    expect(endpointServices(withEndpoints, 'Interface')).toEqual(REACHED);
    expect(endpointServices(withEndpoints, 'Gateway')).toEqual([]);
    withEndpoints.allResourcesProperties('AWS::EC2::VPCEndpoint', {
      VpcId: FULL_CONTEXT['deliverance:vpcId'],
      PrivateDnsEnabled: true,
      SubnetIds: FULL_CONTEXT['deliverance:subnetIds'],
    });
  });

  it('the endpoints group admits HTTPS from the functions group only, and sends nothing', () => {
    const groups = withEndpoints.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('VPC endpoints') },
    });
    const [groupId] = Object.keys(groups);
    expect(Object.keys(groups)).toHaveLength(1);
    const ingress = withEndpoints.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] } },
    });
    expect(Object.values(ingress).map((r) => (r as Resource).Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: FULL_CONTEXT['deliverance:securityGroupId'],
      }),
    ]);
    const egress = (groups[groupId as string] as Resource).Properties.SecurityGroupEgress;
    expect(egress).toEqual([expect.objectContaining({ Description: 'Disallow all traffic' })]);
    for (const endpoint of Object.values(withEndpoints.findResources('AWS::EC2::VPCEndpoint'))) {
      expect((endpoint as Resource).Properties.SecurityGroupIds).toEqual([
        { 'Fn::GetAtt': [groupId, 'GroupId'] },
      ]);
    }
  });

  it('with route tables, S3 goes through a gateway endpoint on them and the others stay interface endpoints', () => {
    const routeTableIds = ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'];
    const template = synthesize({
      ...FULL_CONTEXT,
      'deliverance:routeTableIds': routeTableIds,
    }).template;
    expect(endpointServices(template, 'Gateway')).toEqual(['s3']);
    expect(endpointServices(template, 'Interface')).toEqual(REACHED.filter((s) => s !== 's3'));
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      RouteTableIds: routeTableIds,
    });
  });

  it('without vpcEndpoints, in a VPC or not, there is no endpoint and no endpoint group', () => {
    const { 'deliverance:vpcEndpoints': _on, ...vpcOnly } = FULL_CONTEXT;
    for (const template of [synthesize(vpcOnly).template, synthesize().template]) {
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
      expect(
        template.findResources('AWS::EC2::SecurityGroup', {
          Properties: { GroupDescription: Match.stringLikeRegexp('VPC endpoints') },
        }),
      ).toEqual({});
    }
  });
});
