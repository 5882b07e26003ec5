import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AlarmStatus, DeadLetterDepth, StatusSources } from '../status/pipeline-status';
import { SsmWatermarkStore } from '../../lambdas/shared/adapters/ssm-watermark-store';
import type { DeployedStack } from './deployed-stack';

/** DescribeAlarms takes at most 100 names per request. */
const ALARMS_PER_REQUEST = 100;

/**
 * Status's sources on a deployed stack: the run log in its buckets, the watermarks in SSM, and
 * the depth of every dead-letter queue and the state of every alarm. The warehouse's own load
 * log sits in the stack's network, so the load records of the run log stand in for it.
 */
export function remoteStatusSources(stack: DeployedStack): StatusSources {
  const { sqs, cloudwatch } = stack.clients;
  return {
    landing: stack.landing,
    processed: stack.processed,
    watermarks: stack.watermarks,
    deletesState: new SsmWatermarkStore(
      stack.operations.watermarkParameterPrefix,
      stack.clients.ssm,
    ),
    deployment: {
      environment: stack.environment,
      deadLetters: () =>
        Promise.all(
          stack.operations.deadLetterQueues.map(async (q): Promise<DeadLetterDepth> => {
            const answer = await sqs.send(
              new GetQueueAttributesCommand({
                QueueUrl: q.url,
                AttributeNames: [
                  'ApproximateNumberOfMessages',
                  'ApproximateNumberOfMessagesNotVisible',
                ],
              }),
            );
            const count = (name: string) => Number(answer.Attributes?.[name as never] ?? 0);
            return {
              name: q.name,
              messages:
                count('ApproximateNumberOfMessages') +
                count('ApproximateNumberOfMessagesNotVisible'),
            };
          }),
        ),
      async alarms() {
        const names = [...stack.operations.alarms];
        const found: AlarmStatus[] = [];
        for (let i = 0; i < names.length; i += ALARMS_PER_REQUEST) {
          const answer = await cloudwatch.send(
            new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + ALARMS_PER_REQUEST) }),
          );
          for (const a of answer.MetricAlarms ?? []) {
            found.push({
              name: a.AlarmName ?? '?',
              state: a.StateValue ?? 'INSUFFICIENT_DATA',
              since: a.StateUpdatedTimestamp?.toISOString() ?? null,
              reason: a.StateReason ?? null,
              ...(a.Threshold === undefined ? {} : { threshold: a.Threshold }),
            });
          }
        }
        return found;
      },
    },
  };
}
