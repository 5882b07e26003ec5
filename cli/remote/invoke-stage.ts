import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { ReplayedStage } from '../../contract/operations';
import { isStageFault } from '../../contract/stage-fault';
import type { DeployedStack } from './deployed-stack';

/** What one invocation of a stage's function came to. */
export type InvocationOutcome =
  | { readonly ok: true; readonly batches: readonly { batchId: string; skipped: boolean }[] }
  | { readonly ok: false; readonly error: string };

/** What a function answered: its result, or its error in one line. */
export type InvocationAnswer =
  { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: string };

/**
 * Invokes a stage's function with `event` and waits for it (`RequestResponse`), as Lambda's own
 * retry of that event would run it. A function error is an outcome, not a throw: the caller
 * reports it and goes on; a refused or failed request throws.
 */
export async function invokeStage(
  stack: DeployedStack,
  stage: ReplayedStage,
  event: unknown,
): Promise<InvocationOutcome> {
  const answer = await invokeFunction(stack, stage, event);
  if (!answer.ok) return answer;
  const { payload } = answer;
  const results = (Array.isArray(payload) ? payload : [payload]) as {
    batchId?: string;
    skipped?: boolean;
  }[];
  return {
    ok: true,
    batches: results
      .filter((r) => typeof r?.batchId === 'string')
      .map((r) => ({ batchId: r.batchId as string, skipped: r.skipped === true })),
  };
}

/**
 * Invokes the function of `stage` with `event` and waits for its answer (`deliverance deletes
 * --env` asks ingest for a reconciliation this way).
 */
export async function invokeFunction(
  stack: DeployedStack,
  stage: ReplayedStage | 'ingest',
  event: unknown,
): Promise<InvocationAnswer> {
  const functionName = stack.operations.functions[stage];
  const answer = await stack.clients.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : 'null';
  const payload = JSON.parse(text || 'null') as unknown;
  if (answer.FunctionError) {
    const e = payload as { errorType?: string; errorMessage?: string } | null;
    const message = (e?.errorMessage ?? text).split('\n')[0];
    return { ok: false, error: `${e?.errorType ?? answer.FunctionError}: ${message}` };
  }
  // A fatal error is answered, not thrown, so that Lambda does not retry it.
  if (isStageFault(payload)) {
    return { ok: false, error: `${payload.fault.name}: ${payload.fault.message}` };
  }
  return { ok: true, payload };
}

/** One line for an outcome: `transform of 2026…: done` or the function's error. */
export function outcomeText(
  stage: ReplayedStage,
  what: string,
  outcome: InvocationOutcome,
): string {
  if (!outcome.ok) return `${stage} ${what}: failed: ${outcome.error}`;
  const skipped = outcome.batches.length > 0 && outcome.batches.every((b) => b.skipped);
  return `${stage} ${what}: ${skipped ? `already done, nothing to do` : 'done'}`;
}
