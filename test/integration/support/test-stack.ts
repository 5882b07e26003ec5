import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalStack, temporaryStateDir, type LocalStack } from '../../../local/local-stack';
import { openPipeline, type PipelineContext } from '../../../local/pipeline-context';
import { LOCAL_S3_CREDENTIALS } from '../../../local/s3-server';
import { seedPostgresFolder } from '../../support/postgres-template';

export interface TestStack extends PipelineContext {
  readonly stack: LocalStack;
  stop(): Promise<void>;
}

/** A fresh embedded stack in a temporary folder, with the local adapters opened on it. */
export async function startTestStack(): Promise<TestStack> {
  const stateDir = await temporaryStateDir('dlv-test-');
  await seedPostgresFolder(join(stateDir, 'postgres'));
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
    // The folder goes with the stack: an embedded PostgreSQL and its objects are 75–350 MB, and
    // a whole run of the suite left over 10 GB of them behind.
    async stop() {
      await context.close();
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
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

/** The environment that points the `deliverance` command at this stack, as a user would. */
export function cliEnvironment(stack: TestStack): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DELIVERANCE_SOURCE_URL: stack.stack.postgres!.url('totesys'),
    DELIVERANCE_WAREHOUSE_URL: stack.stack.postgres!.url('warehouse'),
    DELIVERANCE_STATE_DIR: stack.stack.stateDir,
    DELIVERANCE_S3_ENDPOINT: stack.stack.s3!.endpoint.url,
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    // A deployed stack named in the developer's shell must not turn a command away from this one.
    DELIVERANCE_ENV: '',
  };
}
