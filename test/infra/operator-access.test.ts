import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { synthesize } from './support/synth';

type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

let template: Template;
let stack: Stack;

beforeAll(() => {
  ({ template, stack } = synthesize({
    'deliverance:environment': 'prod',
    'deliverance:adminEmails': ['data-oncall@example.com'],
  }));
});

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function operatorStatements(): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter(
    (p) =>
      (p.Properties as { ManagedPolicyName?: string }).ManagedPolicyName ===
      'deliverance-prod-operator',
  );
  expect(policies).toHaveLength(1);
  return (policies[0]?.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument
    .Statement;
}

describe('the operator access of the stack', () => {
  it('publishes the buckets, functions, queues, watermark prefix and alarms in /deliverance/<env>/operations', () => {
    const parameters = Object.values(template.findResources('AWS::SSM::Parameter'));
    const operations = parameters.find(
      (p) => (p.Properties as { Name: string }).Name === '/deliverance/prod/operations',
    );
    expect(operations).toBeDefined();
    const value = stack.resolve((operations?.Properties as { Value: unknown }).Value) as unknown;
    const text = JSON.stringify(value);
    for (const field of [
      'landingBucket',
      'processedBucket',
      'watermarkParameterPrefix',
      'functions',
      'deadLetterQueues',
      'alarms',
      'alarmTopicArn',
      'databaseSecrets',
    ]) {
      expect(text).toContain(`\\"${field}\\"`);
    }
    expect(text).toContain('/deliverance/prod');
    // doctor reads the secrets by the names the functions are given.
    expect(text).toContain('\\"source\\":\\"deliverance/totesys\\"');
    expect(text).toContain('\\"warehouse\\":\\"deliverance/warehouse\\"');
    // Names the template resolves at deploy time: every alarm, the load function and its queue.
    for (const id of [
      'Monitoringloaderrors',
      'Monitoringwarehousestale',
      'LoadingLoadFunction',
      'LoadingLoadDeadLetterQueue',
      'MonitoringAlarmTopic',
    ]) {
      expect(text).toMatch(new RegExp(`"Ref":"${id}[0-9A-F]{8}"`));
    }
  });

  it('grants the command line these actions and no other, each on named resources', () => {
    const statements = operatorStatements();
    expect(Object.fromEntries(statements.map((s) => [s.Sid, actionsOf(s).sort()]))).toEqual({
      FindTheStack: ['ssm:GetParameter'],
      Watermarks: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
      PausedTables: ['ssm:GetParameter', 'ssm:PutParameter'],
      SchemaChanges: ['ssm:GetParameter'],
      ReadRunLog: ['s3:GetObject'],
      ListRunLog: ['s3:ListBucket'],
      DecryptObjects: ['kms:Decrypt'],
      ReplayAndRedrive: ['lambda:InvokeFunction'],
      ReconcileDeletes: ['lambda:InvokeFunction'],
      DeletesState: ['ssm:GetParameter'],
      QueueDepths: ['sqs:GetQueueAttributes'],
      Redrive: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'],
      AlarmStates: ['cloudwatch:DescribeAlarms'],
      AlarmSubscriptions: ['sns:ListSubscriptionsByTopic'],
    });
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toMatch(/"\*"/);
    const invoke = statements.find((s) => s.Sid === 'ReplayAndRedrive');
    expect((invoke?.Resource as unknown[]).length).toBe(2);
    const redrive = statements.find((s) => s.Sid === 'Redrive');
    expect((redrive?.Resource as unknown[]).length).toBe(2);
    const subscriptions = statements.find((s) => s.Sid === 'AlarmSubscriptions');
    expect(subscriptions?.Resource).toEqual({
      Ref: expect.stringMatching(/^MonitoringAlarmTopic/),
    });
  });

  it('lets ingest read the paused tables, and only read them', () => {
    const ingestPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('IngestionIngestRole'),
    );
    const statements = ingestPolicies.flatMap(
      (p) =>
        (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
    const paused = statements.filter((s) => JSON.stringify(s.Resource).includes('/paused-tables'));
    expect(paused.map(actionsOf)).toEqual([['ssm:GetParameter']]);
  });
});
