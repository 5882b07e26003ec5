import { startLocalStack, temporaryStateDir, type LocalStack } from '../../../local/local-stack';
import { openPipeline, type PipelineContext } from '../../../local/pipeline-context';

export interface TestStack extends PipelineContext {
  readonly stack: LocalStack;
  stop(): Promise<void>;
}

/** A fresh embedded stack in a temporary folder, with the local adapters opened on it. */
export async function startTestStack(): Promise<TestStack> {
  const stateDir = await temporaryStateDir('dlv-test-');
  const stack = await startLocalStack(stateDir);
  if (!stack.postgres || !stack.s3) throw new Error('The local stack did not start');
  const context = openPipeline({
    sourceUrl: stack.postgres.url('totesys'),
    warehouseUrl: stack.postgres.url('warehouse'),
    stateDir,
    s3: stack.s3.endpoint,
  });
  return {
    ...context,
    stack,
    async stop() {
      await context.close();
      await stack.stop();
    },
  };
}

/** The JSON objects of a landing object, one per line. */
export async function readJsonLines(
  store: PipelineContext['landing'],
  key: string,
): Promise<Record<string, unknown>[]> {
  const text = (await store.get(key)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
