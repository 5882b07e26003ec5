import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { resyncCommand } from '../../../cli/commands/resync';
import type { DeployedStack } from '../../../cli/remote/deployed-stack';
import { redriveDeadLetters } from '../../../cli/remote/redrive';
import { ObjectStoreRunLog } from '../../../lambdas/shared/adapters/s3-run-log';
import { newBatchId } from '../../../lambdas/shared/core/batch';
import type { OperatedWatermarkStore } from '../../../lambdas/shared/ports/watermark-store';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

/** Watermarks and paused tables in memory, as the deployed SSM parameters hold them. */
function memoryWatermarks(marks: Record<string, string>, paused: string[]): OperatedWatermarkStore {
  return {
    read: (table) => Promise.resolve(marks[table]),
    write: (table, mark) => Promise.resolve(void (marks[table] = mark)),
    remove: (table) => Promise.resolve(void delete marks[table]),
    locate: (table) => `/deliverance/test/watermarks/${table}`,
    locatePaused: () => '/deliverance/test/paused',
    paused: () => Promise.resolve(paused),
    setPaused: (tables) => Promise.resolve(void paused.splice(0, paused.length, ...tables)),
    zoneOffsets: () => Promise.resolve({}),
    setZoneOffsets: () => Promise.resolve(),
    schemaChanges: () => Promise.resolve([]),
    setSchemaChanges: () => Promise.resolve(),
  };
}

let deployed: Partial<DeployedStack>;
jest.mock('../../../cli/remote/deployed-stack', () => ({
  openDeployedStack: () => Promise.resolve({ ...deployed, close: () => undefined }),
}));

describe('resync --env refuses while an ingest that could move the watermark runs', () => {
  const WATERMARK = '2026-11-23T04:30:00.000000Z';

  async function deployedWithIngest(state: 'running' | 'success', minutesAgo: number) {
    const landing = memoryObjectStore('landing');
    const marks = { staff: WATERMARK };
    const startedAt = new Date(Date.now() - minutesAgo * 60_000);
    const batchId = newBatchId(startedAt);
    await new ObjectStoreRunLog(landing).write({
      batchId,
      stage: 'ingest',
      state,
      startedAt: startedAt.toISOString(),
      finishedAt: state === 'running' ? null : new Date().toISOString(),
      tables: [],
      error: null,
    });
    deployed = { landing, watermarks: memoryWatermarks(marks, ['staff']) };
    return { marks, batchId, startedAt };
  }

  beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('refuses while the newest ingest record is running, naming its batch, and leaves the watermark', async () => {
    const { marks, batchId, startedAt } = await deployedWithIngest('running', 2);
    await expect(resyncCommand({ env: 'test', table: 'staff', from: undefined })).rejects.toThrow(
      `An ingest run (batch ${batchId}, started ${startedAt.toISOString()}) is still running and could move the watermark of staff after this: run the resync again once it has finished (deliverance status --env test)`,
    );
    expect(marks.staff).toBe(WATERMARK);
  });

  it.each([
    ['finished', 'success', 2],
    ['been "running" longer than any run lasts (it died)', 'running', 16],
  ] as const)('goes ahead when the newest ingest has %s', async (_name, state, minutesAgo) => {
    const { marks } = await deployedWithIngest(state, minutesAgo);
    expect(await resyncCommand({ env: 'test', table: 'staff', from: undefined })).toBe(0);
    expect(marks.staff).toBeUndefined();
  });
});

describe('redrive deletes a dead-lettered message only once its batch went through', () => {
  const MANIFEST = 'manifests/20261123T043451123Z-3f9a1c.json';
  const event = { Records: [{ s3: { object: { key: MANIFEST } } }] };
  const record = (payload: unknown) =>
    JSON.stringify({ requestContext: { condition: 'RetriesExhausted' }, requestPayload: payload });

  /** A queue holding `bodies` and a function answering each invocation with the next outcome. */
  function stackWith(bodies: string[], outcomes: ('ok' | 'fails' | 'refused')[]) {
    const queue = bodies.map((body, i) => ({
      MessageId: `m${i}`,
      ReceiptHandle: `r${i}`,
      Body: body,
    }));
    const deleted: string[] = [];
    const sqs = {
      send(command: unknown) {
        if (command instanceof GetQueueAttributesCommand) {
          return Promise.resolve({
            Attributes: { ApproximateNumberOfMessages: `${queue.length}` },
          });
        }
        if (command instanceof ReceiveMessageCommand) {
          const message = queue.shift();
          return Promise.resolve({ Messages: message ? [message] : [] });
        }
        if (command instanceof DeleteMessageCommand) {
          deleted.push(command.input.ReceiptHandle!);
          return Promise.resolve({});
        }
        return Promise.reject(new Error('not a call redrive makes'));
      },
    };
    const lambda = {
      send(command: unknown) {
        if (!(command instanceof InvokeCommand)) return Promise.reject(new Error('not Invoke'));
        const outcome = outcomes.shift();
        if (outcome === 'refused') {
          return Promise.reject(new Error('AccessDeniedException: not authorized'));
        }
        const payload =
          outcome === 'ok'
            ? { batchId: '20261123T043451123Z-3f9a1c', skipped: false }
            : { errorType: 'LoadError', errorMessage: 'warehouse unreachable\nstack' };
        return Promise.resolve({
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
          ...(outcome === 'ok' ? {} : { FunctionError: 'Unhandled' }),
        });
      },
    };
    const stack = {
      operations: {
        deadLetterQueues: [{ name: 'load', url: 'https://sqs/dlq-load' }],
        functions: { ingest: 'ingest-fn', transform: 'transform-fn', load: 'load-fn' },
      },
      clients: { sqs, lambda },
    } as unknown as DeployedStack;
    return { stack, deleted };
  }

  it('deletes the message of a batch that went through, keeps one that failed again or holds no invocation record', async () => {
    const { stack, deleted } = stackWith(
      [record(event), record(event), 'not an OnFailure record'],
      ['fails', 'ok'],
    );
    const lines: string[] = [];
    const report = await redriveDeadLetters(stack, 'load', (line) => lines.push(line));
    expect(report).toEqual({ stage: 'load', redriven: 1, kept: 2 });
    expect(deleted).toEqual(['r1']);
    expect(lines).toEqual([
      '[1/3] load of batch 20261123T043451123Z-3f9a1c: failed again, message kept: LoadError: warehouse unreachable',
      '[2/3] load of batch 20261123T043451123Z-3f9a1c: done, message deleted',
      '[3/3] load: message m2 holds no Lambda invocation record: kept (read it with aws sqs receive-message)',
    ]);
  });

  it('stops and deletes nothing when the invocation itself is refused', async () => {
    const { stack, deleted } = stackWith([record(event)], ['refused']);
    await expect(redriveDeadLetters(stack, 'load', () => undefined)).rejects.toThrow(
      'AccessDeniedException',
    );
    expect(deleted).toEqual([]);
  });

  it('names the stage whose dead-letter queue the stack does not publish', async () => {
    const { stack } = stackWith([], []);
    await expect(redriveDeadLetters(stack, 'transform', () => undefined)).rejects.toThrow(
      'The stack publishes no dead-letter queue for transform',
    );
  });
});
