import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { ReplayedStage } from '../../contract/operations';
import { batchIdFromManifestKey } from '../../lambdas/shared/core/batch';
import type { DeployedStack } from './deployed-stack';
import { invokeStage } from './invoke-stage';

/** What a redrive of one stage's dead-letter queue did. */
export interface RedriveReport {
  readonly stage: ReplayedStage;
  readonly redriven: number;
  /** Messages left in the queue: their batch failed again, or they hold no invocation record. */
  readonly kept: number;
}

/**
 * A message is hidden from other receivers while its batch runs: longer than the function's
 * 15 minutes at most, so no second redrive picks it up meanwhile.
 */
const VISIBILITY_SECONDS = 16 * 60;

/**
 * Sends each dead-lettered event of `stage` back to its function, one message (one batch) at a
 * time, waiting for the outcome; a message is deleted only once its batch went through. A batch
 * that fails again stays in the queue, hidden for the visibility timeout, and the redrive goes on.
 *
 * @param progress - called with one line per message: `[2/5] load of batch …: done`.
 */
export async function redriveDeadLetters(
  stack: DeployedStack,
  stage: ReplayedStage,
  progress: (line: string) => void,
): Promise<RedriveReport> {
  const queue = stack.operations.deadLetterQueues.find((q) => q.name === stage);
  if (!queue) throw new Error(`The stack publishes no dead-letter queue for ${stage}`);
  const { sqs } = stack.clients;
  const depth = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  const total = Number(depth.Attributes?.ApproximateNumberOfMessages ?? 0);
  let redriven = 0;
  let kept = 0;
  for (;;) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
      }),
    );
    const message = received.Messages?.[0];
    if (!message) break;
    const seen = redriven + kept + 1;
    const at = `[${seen}/${Math.max(total, seen)}]`;
    const payload = requestPayloadOf(message.Body);
    if (payload === undefined) {
      kept += 1;
      progress(
        `${at} ${stage}: message ${message.MessageId ?? '?'} holds no Lambda invocation record: kept (read it with aws sqs receive-message)`,
      );
      continue;
    }
    const batch = batchOf(payload);
    const outcome = await invokeStage(stack, stage, payload);
    if (outcome.ok) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }),
      );
      redriven += 1;
      const skipped = outcome.batches.length > 0 && outcome.batches.every((b) => b.skipped);
      progress(
        `${at} ${stage} of batch ${batch}: ${skipped ? 'already done' : 'done'}, message deleted`,
      );
    } else {
      kept += 1;
      progress(`${at} ${stage} of batch ${batch}: failed again, message kept: ${outcome.error}`);
    }
  }
  return { stage, redriven, kept };
}

/** Lambda's OnFailure record carries the event it gave up on as `requestPayload`. */
function requestPayloadOf(body: string | undefined): unknown {
  try {
    const record = JSON.parse(body ?? '') as { requestContext?: unknown; requestPayload?: unknown };
    return record.requestContext && record.requestPayload !== undefined
      ? record.requestPayload
      : undefined;
  } catch {
    return undefined;
  }
}

function batchOf(event: unknown): string {
  const key = (event as { Records?: { s3?: { object?: { key?: string } } }[] })?.Records?.[0]?.s3
    ?.object?.key;
  return (key && batchIdFromManifestKey(decodeURIComponent(key))) ?? '(unknown)';
}
