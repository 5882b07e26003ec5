import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { operationsParameterName } from '../../contract/operations';
import { fail, ok, type DoctorCheck, type DoctorPlan } from '../doctor/doctor-check';
import { databaseChecks, SOURCE_RIGHTS, WAREHOUSE_RIGHTS } from '../doctor/database-checks';
import { secretTarget } from '../doctor/database-target';
import { deletesCheck } from '../doctor/deletes-checks';
import { bucketCheck } from '../doctor/object-store-checks';
import { schemaChangeCheck } from '../doctor/schema-checks';
import { watermarkCheck } from '../doctor/watermark-checks';
import { collectStatus, type PipelineStatus, type StatusSources } from '../status/pipeline-status';
import { subscriptionsCheck, type ListAlarmSubscriptions } from './alarm-subscriptions';
import { openDeployedStack, type DeployedStack } from './deployed-stack';
import { remoteStatusSources } from './remote-status';
import { snsAlarmSubscriptions } from './sns-alarm-subscriptions';

/** What the deployed checks reach AWS through. */
export interface RemoteDoctorPorts {
  openStack(environment: string): Promise<DeployedStack>;
  statusSources(stack: DeployedStack): StatusSources;
  /** The secret's text, read with the caller's own credentials. */
  readSecret(stack: DeployedStack, secretId: string): Promise<string | undefined>;
  subscriptions(stack: DeployedStack): ListAlarmSubscriptions;
}

/** The runs whose failures doctor reports. */
const RECENT_RUNS = 10;

export const AWS_DOCTOR_PORTS: RemoteDoctorPorts = {
  openStack: (environment) => openDeployedStack(environment),
  statusSources: remoteStatusSources,
  subscriptions: (stack) => snsAlarmSubscriptions(stack.clients.sns),
  async readSecret(stack, secretId) {
    try {
      const answer = await stack.clients.secrets.send(
        new GetSecretValueCommand({ SecretId: secretId }),
      );
      return (
        answer.SecretString ??
        (answer.SecretBinary && Buffer.from(answer.SecretBinary).toString('utf8'))
      );
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw Object.assign(
        new Error(
          `Could not read secret ${secretId}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        ),
        {
          fix:
            e.name === 'AccessDeniedException'
              ? `run doctor with credentials that may read ${secretId} (secretsmanager:GetSecretValue; the operator policy leaves the database passwords to the functions)`
              : `create ${secretId}, or name the right secret in deliverance:sourceSecret / deliverance:warehouseSecret and deploy (docs/deploy.md, step 2)`,
        },
      );
    }
  },
};

/**
 * The checks of a deployed stack: its operations parameter, both databases as the functions
 * connect to them (the secret's settings, TLS verified as they verify it, the users' rights),
 * the buckets, the watermark parameters, the deletes the guard holds, recent failures, the
 * dead-letter queues, the alarms and the alarm topic's subscriptions.
 */
export async function remoteDoctor(
  environment: string,
  ports: RemoteDoctorPorts = AWS_DOCTOR_PORTS,
): Promise<DoctorPlan> {
  const title = `deliverance doctor: environment ${environment}`;
  const parameter = operationsParameterName(environment);
  let stack: DeployedStack;
  try {
    stack = await ports.openStack(environment);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    return {
      title,
      checks: [
        {
          name: 'operations parameter',
          run: async () =>
            fail(
              message.split('. Check')[0] ?? message,
              `check --env, AWS_REGION / AWS_PROFILE and that your role has the policy deliverance-${environment}-operator; or deploy: npx cdk deploy -c deliverance:environment=${environment}`,
            ),
        },
      ],
      close: async () => undefined,
    };
  }
  const { operations } = stack;
  const databases = (['source', 'warehouse'] as const).map((role) => {
    const secretId = operations.databaseSecrets?.[role];
    if (secretId === undefined) return undefined;
    return databaseChecks(
      secretTarget(role, secretId, operations.databaseEndpoints?.[role] ?? {}, (id) =>
        ports.readSecret(stack, id),
      ),
      role === 'source' ? SOURCE_RIGHTS : WAREHOUSE_RIGHTS,
    );
  });
  const sources = ports.statusSources(stack);
  let status: Promise<PipelineStatus> | undefined;
  const recent = () => (status ??= collectStatus(sources, { limit: RECENT_RUNS }));
  const checks: DoctorCheck[] = [
    {
      name: 'operations parameter',
      run: async () =>
        ok(
          `${parameter}: ${Object.keys(operations.functions).length} functions, ${operations.deadLetterQueues.length} dead-letter queues, ${operations.alarms.length} alarms`,
        ),
    },
    ...databases.flatMap((d, i) =>
      d
        ? d.checks
        : [
            {
              name: `${i === 0 ? 'source' : 'warehouse'} settings`,
              run: async () =>
                fail(
                  'the stack does not publish its database secrets (deployed before doctor)',
                  `deploy this release: npx cdk deploy -c deliverance:environment=${environment}`,
                ),
            },
          ],
    ),
    bucketCheck(
      'landing',
      stack.landing,
      'deploy the stack again: its bucket is gone or not readable with the operator policy',
    ),
    bucketCheck(
      'processed',
      stack.processed,
      'deploy the stack again: its bucket is gone or not readable with the operator policy',
    ),
    watermarkCheck(stack.watermarks),
    schemaChangeCheck(stack.watermarks),
    // The schedule is the functions' setting, which the stack does not publish: none is overdue.
    deletesCheck({
      state: sources.deletesState,
      watermarks: stack.watermarks,
      schedule: () => undefined,
    }),
    {
      name: 'recent runs',
      async run() {
        const { failures: all, runs } = await recent();
        // A failure a later run made good needs nothing more.
        const failures = all.filter((f) => f.resolvedAt === null);
        if (runs.length === 0) return ok('no run yet');
        if (failures.length === 0) return ok(`no failure in the last ${runs.length} runs`);
        const [last] = failures;
        return fail(
          `${failures.length} failed stage${failures.length === 1 ? '' : 's'}; last ${last?.stage} of batch ${last?.batchId}: ${last?.error.split('\n')[0]}`,
          `deliverance status --env ${environment} lists them; docs/operations.md, "Alarms", says what each means`,
        );
      },
    },
    {
      name: 'dead-letter queues',
      async run() {
        const held = ((await recent()).deadLetters ?? []).filter((q) => q.messages > 0);
        if (held.length === 0) return ok(`${operations.deadLetterQueues.length} empty`);
        return fail(
          held.map((q) => `${q.name} holds ${q.messages}`).join(', '),
          `once the cause is fixed: deliverance redrive --env ${environment} (docs/operations.md, "Replay")`,
        );
      },
    },
    {
      name: 'alarms',
      async run() {
        const alarms = (await recent()).alarms ?? [];
        const firing = alarms.filter((a) => a.state === 'ALARM');
        if (firing.length === 0) {
          const waiting = alarms.filter((a) => a.state !== 'OK').length;
          return ok(`none in ALARM${waiting > 0 ? ` (${waiting} without data yet)` : ''}`);
        }
        return fail(
          `in ALARM: ${firing.map((a) => a.name).join(', ')}`,
          'docs/operations.md, "Alarms: what the e-mail means and what to do", one section per alarm',
        );
      },
    },
    subscriptionsCheck(operations.alarmTopicArn, ports.subscriptions(stack)),
  ];
  return {
    title,
    checks,
    async close() {
      await Promise.all(databases.map((d) => d?.close()));
      stack.close();
    },
  };
}
