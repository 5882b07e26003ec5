import { BATCH, ingestResult, landedTable } from './landed-batch';
import { continueBacklog } from '../../../lambdas/ingest/backlog';
import type { SelfInvoker } from '../../../lambdas/shared/ports/self-invoker';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';

function invoker(refusal?: Error): SelfInvoker & { events: unknown[] } {
  const events: unknown[] = [];
  return {
    events,
    invokeAsync(event) {
      events.push(event);
      return refusal ? Promise.reject(refusal) : Promise.resolve();
    },
  };
}

function logger(): StageLogger & { lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(attributes)}`);
  return { lines, info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

describe('continueBacklog', () => {
  it('starts nothing after a run that caught every table up', async () => {
    const self = invoker();
    const log = logger();
    const outcome = await continueBacklog(
      ingestResult([landedTable('payment', 500)], { caughtUp: true }),
      {},
      self,
      log,
    );
    expect(outcome).toBe('caught-up');
    expect(self.events).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('starts the next batch with the same event after a capped table landed rows', async () => {
    const self = invoker();
    const log = logger();
    const event = { tables: ['payment', 'currency'] };
    const batch = ingestResult(
      [landedTable('currency', 0), landedTable('payment', 500, 'capped')],
      { caughtUp: false },
    );
    expect(await continueBacklog(batch, event, self, log)).toBe('next-batch-started');
    expect(self.events).toEqual([event]);
    expect(log.lines).toEqual([
      `INFO Rows remain: started the next batch {"batchId":"${BATCH}","remaining":{"payment":1200}}`,
    ]);
  });

  it('starts the next batch after one that finished a backfill, even with no rows left in it', async () => {
    const self = invoker();
    const batch = ingestResult([landedTable('payment', 0, 'backfill-finished')], {
      caughtUp: false,
    });
    expect(await continueBacklog(batch, {}, self, logger())).toBe('next-batch-started');
    expect(self.events).toEqual([{}]);
  });

  it('stops with a warning when the capped table landed none, whatever the tables that fit landed', async () => {
    const self = invoker();
    const log = logger();
    const batch = ingestResult([landedTable('currency', 30), landedTable('payment', 0, 'capped')], {
      caughtUp: false,
    });
    expect(await continueBacklog(batch, {}, self, log)).toBe('stalled');
    expect(self.events).toEqual([]);
    expect(log.lines).toEqual([
      `WARN Rows remain but this batch landed none of them: not starting the next batch {"batchId":"${BATCH}","remaining":{"payment":1200}}`,
    ]);
  });

  it('logs a refused invocation with its error class and leaves the landed batch a success', async () => {
    const refusal = Object.assign(new Error('not authorized to perform lambda:InvokeFunction'), {
      name: 'AccessDeniedException',
    });
    const log = logger();
    const batch = ingestResult([landedTable('payment', 500, 'capped')], { caughtUp: false });
    expect(await continueBacklog(batch, {}, invoker(refusal), log)).toBe('not-started');
    expect(log.lines).toEqual([
      `ERROR Could not start the next batch of the backlog: the schedule will continue it {"batchId":"${BATCH}","error":"AccessDeniedException: not authorized to perform lambda:InvokeFunction"}`,
    ]);
  });
});
