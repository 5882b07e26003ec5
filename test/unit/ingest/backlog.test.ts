import { continueBacklog } from '../../../lambdas/ingest/backlog';
import type { IngestResult } from '../../../lambdas/ingest/ingest';
import type { SelfInvoker } from '../../../lambdas/shared/ports/self-invoker';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';

const BATCH = '20261123T043451123Z-3f9a1c';

function result(caughtUp: boolean, rows: Record<string, number>): IngestResult {
  return {
    batchId: BATCH,
    manifestKey: `manifests/${BATCH}.json`,
    manifest: {
      kind: 'landing',
      version: 1,
      batchId: BATCH,
      startedAt: '2026-11-23T04:34:51.123Z',
      finishedAt: '2026-11-23T04:34:52.456Z',
      tables: Object.entries(rows).map(([table, n]) => ({
        table: table as 'payment',
        keys: n > 0 ? [`${table}/${BATCH}.jsonl`] : [],
        rows: n,
        bytes: n * 100,
        from: null,
        to: '2026-11-23T04:34:51.000000Z',
        newest: n > 0 ? '2026-11-23T04:30:00.000000Z' : null,
      })),
    },
    removed: { batchIds: [], keys: [] },
    caughtUp,
  };
}

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
  return {
    lines,
    info: (m) => void lines.push(`INFO ${m}`),
    warn: (m) => void lines.push(`WARN ${m}`),
    error: (m) => void lines.push(`ERROR ${m}`),
  };
}

describe('continueBacklog', () => {
  it('starts nothing after a run that caught every table up', async () => {
    const self = invoker();
    const log = logger();
    expect(await continueBacklog(result(true, { payment: 500 }), {}, self, log)).toBe('caught-up');
    expect(self.events).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('starts the next batch with the same event after a run that landed rows and left some', async () => {
    const self = invoker();
    const log = logger();
    const event = { tables: ['payment', 'currency'] };
    const outcome = await continueBacklog(
      result(false, { payment: 500, currency: 0 }),
      event,
      self,
      log,
    );
    expect(outcome).toBe('next-batch-started');
    expect(self.events).toEqual([event]);
    expect(log.lines).toEqual(['INFO Rows remain: started the next batch']);
  });

  it('stops with a warning when rows remain but the run landed none, instead of looping', async () => {
    const self = invoker();
    const log = logger();
    const outcome = await continueBacklog(result(false, { payment: 0 }), {}, self, log);
    expect(outcome).toBe('stalled');
    expect(self.events).toEqual([]);
    expect(log.lines).toEqual([
      'WARN Rows remain but this batch landed none: not starting the next batch',
    ]);
  });

  it('logs a refused invocation and leaves the landed batch a success', async () => {
    const self = invoker(new Error('AccessDeniedException: not authorized'));
    const log = logger();
    const outcome = await continueBacklog(result(false, { payment: 500 }), {}, self, log);
    expect(outcome).toBe('not-started');
    expect(log.lines).toEqual([
      'ERROR Could not start the next batch of the backlog: the schedule will continue it',
    ]);
  });
});
