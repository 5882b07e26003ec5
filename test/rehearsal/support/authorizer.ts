import {
  getDenialReasons,
  runSimulation,
  type RunSimulationResults,
} from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type Deployment } from './deployment';

/** One request as AWS would authorise it. */
export interface AuthorizationRequest {
  /** A role ARN, an assumed-role session ARN or a service principal (`cloudwatch.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Context keys; every value a string, as IAM compares them. */
  readonly context?: Record<string, string>;
}

export interface Decision {
  readonly allowed: boolean;
  /** AWS's own sentence, as an AccessDenied answer carries it. */
  readonly message: string;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** A decision taken, kept for the report of granted-but-unused actions. */
export interface DecisionRecord extends AuthorizationRequest {
  readonly allowed: boolean;
}

/**
 * Evaluates requests against the synthesized policies with a maintained IAM evaluator
 * (@cloud-copilot/iam-simulate): the principal's identity policies (inline and managed) and the
 * resource's policy (bucket, key, queue, topic, secret or the function's permissions).
 */
export class Authorizer {
  readonly decisions: DecisionRecord[] = [];
  private readonly identity = new Map<string, { name: string; policy: PolicyDocument }[]>();
  private readonly resourcePolicies = new Map<string, PolicyDocument>();

  constructor(private readonly deployment: Deployment) {
    this.collectIdentityPolicies();
    this.collectResourcePolicies();
  }

  /** The identity policies of a role, by ARN (for the unused-grant report). */
  identityPoliciesOf(roleArn: string): { name: string; policy: PolicyDocument }[] {
    return this.identity.get(roleArn) ?? [];
  }

  /** Attaches `policy` to a role outside the template: the admins' role the operator policy is for. */
  attach(roleArn: string, name: string, policy: PolicyDocument): void {
    this.identity.set(roleArn, [...(this.identity.get(roleArn) ?? []), { name, policy }]);
  }

  roleArns(): string[] {
    return [...this.identity.keys()];
  }

  async authorize(request: AuthorizationRequest): Promise<Decision> {
    const roleArn = roleOf(request.principal);
    const resourcePolicy = this.resourcePolicyFor(request.resource);
    const result: RunSimulationResults = await runSimulation(
      {
        request: {
          principal: request.principal,
          action: request.action,
          resource: { resource: request.resource, accountId: ACCOUNT },
          contextVariables: request.context ?? {},
        },
        identityPolicies: roleArn ? (this.identity.get(roleArn) ?? []) : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(
        `IAM evaluation of ${request.action} on ${request.resource} failed: ${JSON.stringify(result.errors)}`,
      );
    }
    if (result.resultType !== 'single') {
      throw new Error(`The rehearsal asked about a wildcard resource: ${request.resource}`);
    }
    const allowed = result.overallResult === 'Allowed';
    this.decisions.push({ ...request, allowed });
    return { allowed, message: allowed ? '' : denialMessage(request, result) };
  }

  private resourcePolicyFor(resource: string): PolicyDocument | undefined {
    // An object's policy is its bucket's; a function's is the same for its qualifiers.
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
    if (s3) return this.resourcePolicies.get(`arn:aws:s3:::${s3[1]}`);
    return this.resourcePolicies.get(resource);
  }

  private collectIdentityPolicies(): void {
    const d = this.deployment;
    const add = (roleRef: unknown, name: string, policy: unknown) => {
      const roleName = d.resolveString(roleRef);
      const roleId = d.logicalIdOf(roleName);
      if (!roleId) return; // an imported role: not this stack's to rehearse
      const arn = d.attribute(roleId, 'Arn');
      const list = this.identity.get(arn) ?? [];
      list.push({ name, policy: d.resolve(policy) as PolicyDocument });
      this.identity.set(arn, list);
    };
    for (const [id, role] of d.resourcesOf('AWS::IAM::Role')) {
      this.identity.set(d.attribute(id, 'Arn'), this.identity.get(d.attribute(id, 'Arn')) ?? []);
      const props = role.Properties ?? {};
      for (const inline of (props.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ??
        []) {
        add(d.ref(id), inline.PolicyName, inline.PolicyDocument);
      }
    }
    for (const [id, policy] of d.resourcesOf('AWS::IAM::Policy')) {
      const props = policy.Properties ?? {};
      for (const role of (props.Roles as unknown[]) ?? []) add(role, id, props.PolicyDocument);
    }
    for (const [id, policy] of d.resourcesOf('AWS::IAM::ManagedPolicy')) {
      const props = policy.Properties ?? {};
      for (const role of (props.Roles as unknown[]) ?? []) add(role, id, props.PolicyDocument);
    }
  }

  private collectResourcePolicies(): void {
    const d = this.deployment;
    const append = (arn: string, statements: unknown) => {
      const doc = this.resourcePolicies.get(arn) ?? { Version: '2012-10-17', Statement: [] };
      doc.Statement.push(...(d.resolve(statements) as Record<string, unknown>[]));
      this.resourcePolicies.set(arn, doc);
    };
    const statementsOf = (doc: unknown) => (doc as { Statement: unknown[] }).Statement;
    for (const [, policy] of d.resourcesOf('AWS::S3::BucketPolicy')) {
      const props = policy.Properties ?? {};
      const bucket = d.resolveString(props.Bucket);
      append(`arn:aws:s3:::${bucket}`, statementsOf(props.PolicyDocument));
    }
    // A role's trust policy is the resource policy of sts:AssumeRole on it.
    for (const [id, role] of d.resourcesOf('AWS::IAM::Role')) {
      append(d.attribute(id, 'Arn'), statementsOf(role.Properties?.AssumeRolePolicyDocument));
    }
    for (const [id, key] of d.resourcesOf('AWS::KMS::Key')) {
      append(d.attribute(id, 'Arn'), statementsOf(key.Properties?.KeyPolicy));
    }
    for (const [, policy] of d.resourcesOf('AWS::SQS::QueuePolicy')) {
      const props = policy.Properties ?? {};
      for (const queue of props.Queues as unknown[]) {
        const url = d.resolveString(queue);
        const id = d.logicalIdOf(url);
        if (id) append(d.attribute(id, 'Arn'), statementsOf(props.PolicyDocument));
      }
    }
    for (const [, policy] of d.resourcesOf('AWS::SNS::TopicPolicy')) {
      const props = policy.Properties ?? {};
      for (const topic of props.Topics as unknown[]) {
        append(d.resolveString(topic), statementsOf(props.PolicyDocument));
      }
    }
    for (const [, policy] of d.resourcesOf('AWS::SecretsManager::ResourcePolicy')) {
      const props = policy.Properties ?? {};
      append(d.resolveString(props.SecretId), statementsOf(props.ResourcePolicy));
    }
    for (const [id, permission] of d.resourcesOf('AWS::Lambda::Permission')) {
      const props = permission.Properties ?? {};
      const fnRef = d.resolveString(props.FunctionName);
      const fnId = d.logicalIdOf(fnRef);
      if (!fnId) continue;
      const arn = d.attribute(fnId, 'Arn');
      const condition: Record<string, Record<string, unknown>> = {};
      if (props.SourceArn) condition.ArnLike = { 'aws:SourceArn': props.SourceArn };
      if (props.SourceAccount)
        condition.StringEquals = { 'aws:SourceAccount': props.SourceAccount };
      const principal = String(props.Principal);
      append(arn, [
        {
          Sid: id,
          Effect: 'Allow',
          Principal: principal.endsWith('amazonaws.com')
            ? { Service: principal }
            : { AWS: principal },
          Action: props.Action,
          Resource: arn,
          ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
        },
      ]);
    }
  }
}

/** The role behind a role ARN or an assumed-role session ARN; undefined for a service. */
export function roleOf(principal: string): string | undefined {
  const session = /^arn:aws:sts::(\d+):assumed-role\/([^/]+)\//.exec(principal);
  if (session) return `arn:aws:iam::${session[1]}:role/${session[2]}`;
  return principal.startsWith('arn:aws:iam::') ? principal : undefined;
}

/** The wording AWS uses in an AccessDenied answer. */
function denialMessage(request: AuthorizationRequest, result: RunSimulationResults): string {
  if (result.resultType !== 'single') return 'Access Denied';
  const reasons = getDenialReasons(result.result.analysis);
  const explicit = reasons.find((r) => r.denialType === 'Explicit');
  const who = `User: ${request.principal} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  if (explicit)
    return `${who} with an explicit deny in a ${policyKind(explicit.policyType)} policy`;
  const service = !roleOf(request.principal);
  const kinds = reasons
    .filter((r) => !(service && r.policyType === 'identity'))
    .map((r) => policyKind(r.policyType));
  return `${who} because no ${kinds.includes('resource-based') || service ? 'resource-based' : 'identity-based'} policy allows the ${request.action} action`;
}

function policyKind(type: string): string {
  return type === 'identity' ? 'identity-based' : type === 'resource' ? 'resource-based' : type;
}
