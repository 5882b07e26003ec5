/**
 * A synthesized template as if CloudFormation had deployed it: every resource gets a physical
 * name and ARN, and every intrinsic function (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select)
 * resolves against them. The rehearsal reads policies, environments, filters and alarms only
 * through this, so what it runs is what the template says.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

/** Account and region the rehearsal deploys into. */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-2';
export const PARTITION = 'aws';

interface Physical {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

function physicalOf(logicalId: string, resource: CfnResource, stackName: string): Physical {
  const short = logicalId.toLowerCase().slice(0, 40);
  const props = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::S3::Bucket': {
      const name = `${stackName.toLowerCase()}-${short}`.slice(0, 63);
      return {
        ref: name,
        attributes: {
          Arn: `arn:${PARTITION}:s3:::${name}`,
          DomainName: `${name}.s3.amazonaws.com`,
          RegionalDomainName: `${name}.s3.${REGION}.amazonaws.com`,
        },
      };
    }
    case 'AWS::KMS::Key': {
      const id = `${short.padEnd(32, '0').slice(0, 8)}-0000-4000-8000-${short.padEnd(12, '0').slice(-12)}`;
      return {
        ref: id,
        attributes: { Arn: `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${id}`, KeyId: id },
      };
    }
    case 'AWS::Lambda::Function': {
      const name = `${stackName}-${logicalId}`.slice(0, 64);
      return {
        ref: name,
        attributes: { Arn: `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${name}` },
      };
    }
    case 'AWS::IAM::Role': {
      const name = `${stackName}-${logicalId}`.slice(0, 64);
      return {
        ref: name,
        attributes: {
          Arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`,
          RoleId: `AROA${short.toUpperCase()}`,
        },
      };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const name = `${stackName}-${logicalId}`;
      const arn = `arn:${PARTITION}:iam::${ACCOUNT}:policy/${name}`;
      return { ref: arn, attributes: { PolicyArn: arn } };
    }
    case 'AWS::SQS::Queue': {
      const name = `${stackName}-${logicalId}`.slice(0, 80);
      return {
        ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
        attributes: { Arn: `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name}`, QueueName: name },
      };
    }
    case 'AWS::SNS::Topic': {
      const name = `${stackName}-${logicalId}`;
      const arn = `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${name}`;
      return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = `/aws/lambda/${stackName}-${logicalId}`;
      return {
        ref: name,
        attributes: { Arn: `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}:*` },
      };
    }
    case 'AWS::CloudWatch::Alarm': {
      const name =
        typeof props.AlarmName === 'string' ? props.AlarmName : `${stackName}-${logicalId}`;
      return {
        ref: name,
        attributes: { Arn: `arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}` },
      };
    }
    case 'AWS::SSM::Parameter': {
      const name = typeof props.Name === 'string' ? props.Name : `${stackName}-${logicalId}`;
      return { ref: name, attributes: { Type: String(props.Type ?? 'String') } };
    }
    case 'AWS::Scheduler::Schedule': {
      const name = `${stackName}-${logicalId}`;
      return {
        ref: name,
        attributes: {
          Arn: `arn:${PARTITION}:scheduler:${REGION}:${ACCOUNT}:schedule/default/${name}`,
        },
      };
    }
    default:
      return { ref: `${stackName}-${logicalId}`, attributes: {} };
  }
}

export class Deployment {
  private readonly physical = new Map<string, Physical>();

  constructor(
    readonly template: CfnTemplate,
    readonly stackName: string,
  ) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      this.physical.set(id, physicalOf(id, resource, stackName));
    }
  }

  /** Logical ids and resources of one type. */
  resourcesOf(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`The template has no resource ${logicalId}`);
    return resource;
  }

  ref(logicalId: string): string {
    const physical = this.physical.get(logicalId);
    if (!physical) throw new Error(`The template has no resource ${logicalId}`);
    return physical.ref;
  }

  attribute(logicalId: string, name: string): string {
    const value = this.physical.get(logicalId)?.attributes[name];
    if (value === undefined)
      throw new Error(`No attribute ${name} of ${logicalId} in the rehearsal`);
    return value;
  }

  /** The logical id whose Ref or ARN is `value`, if a resource of the template has it. */
  logicalIdOf(value: string): string | undefined {
    for (const [id, physical] of this.physical) {
      if (physical.ref === value || Object.values(physical.attributes).includes(value)) return id;
    }
    return undefined;
  }

  /** A template value with every intrinsic function evaluated. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [[fn, arg]] = entries as [[string, unknown]];
      switch (fn) {
        case 'Ref':
          return this.pseudo(arg as string) ?? this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
          return this.attribute(id as string, attr as string);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [
            string,
            Record<string, unknown>,
          ];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            const pseudo = this.pseudo(name);
            if (pseudo !== undefined) return pseudo;
            const [id, attr] = name.split('.');
            return attr ? this.attribute(id as string, attr) : this.ref(id as string);
          });
        }
        default:
          if (fn.startsWith('Fn::')) throw new Error(`The rehearsal cannot resolve ${fn}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string')
      throw new Error(`Expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private pseudo(name: string): string | undefined {
    switch (name) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return REGION;
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      default:
        return undefined;
    }
  }
}
