import { stageFault } from '../../../contract/stage-fault';
import type { DeployedStack } from '../../../cli/remote/deployed-stack';
import { invokeStage, outcomeText } from '../../../cli/remote/invoke-stage';
import { ConfigurationError } from '../../../lambdas/shared/core/pipeline-error';

/** A deployed stack whose load function answers `payload` (with `functionError` when it threw). */
function answering(payload: unknown, functionError?: string): DeployedStack {
  const send = () =>
    Promise.resolve({
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
      ...(functionError ? { FunctionError: functionError } : {}),
    });
  return {
    operations: { functions: { load: 'deliverance-dev-load' } },
    clients: { lambda: { send } },
  } as unknown as DeployedStack;
}

describe('invoking a stage and reading its answer', () => {
  it('reads a fatal fault the function answered, rather than threw, as a failure', async () => {
    const fault = stageFault(new ConfigurationError('PROCESSED_BUCKET is not set'));
    const outcome = await invokeStage(answering(fault), 'load', {});
    expect(outcome).toEqual({
      ok: false,
      error: 'ConfigurationError: PROCESSED_BUCKET is not set',
    });
    expect(outcomeText('load', 'of batch b1', outcome)).toBe(
      'load of batch b1: failed: ConfigurationError: PROCESSED_BUCKET is not set',
    );
  });

  it('reads a thrown error as a failure, and the batches of a run as done', async () => {
    const thrown = { errorType: 'ObjectStoreError', errorMessage: 'S3 GetObject failed\nstack' };
    expect(await invokeStage(answering(thrown, 'Unhandled'), 'load', {})).toEqual({
      ok: false,
      error: 'ObjectStoreError: S3 GetObject failed',
    });
    expect(await invokeStage(answering([{ batchId: 'b1', skipped: false }]), 'load', {})).toEqual({
      ok: true,
      batches: [{ batchId: 'b1', skipped: false }],
    });
  });
});
