import { removeUnfinishedAttempts } from '../../../lambdas/ingest/unfinished-attempts';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';

/** A bucket in memory: listing and deleting are all the sweep does. */
function bucket(keys: string[]): ObjectStore & { keys: Set<string>; listed: string[] } {
  const stored = new Set(keys);
  const listed: string[] = [];
  const unused = () => Promise.reject(new Error('not used by the sweep'));
  return {
    bucket: 'landing',
    keys: stored,
    listed,
    put: unused,
    upload: unused,
    get: unused,
    getIfExists: unused,
    stream: unused,
    exists: unused,
    list(prefix, startAfter) {
      listed.push(startAfter ? `${prefix} after ${startAfter}` : prefix);
      return Promise.resolve(
        [...stored].filter((k) => k.startsWith(prefix) && k > (startAfter ?? '')).sort(),
      );
    },
    delete(key) {
      stored.delete(key);
      return Promise.resolve();
    },
  };
}

function logger(): StageLogger & { lines: [string, Record<string, unknown> | undefined][] } {
  const lines: [string, Record<string, unknown> | undefined][] = [];
  const log = (message: string, attributes?: Record<string, unknown>) => {
    lines.push([message, attributes]);
  };
  return { lines, info: log, warn: log, error: log };
}

const RUN = '20261124T100000000Z-cccccc';

describe('removing what unfinished ingest attempts left in landing', () => {
  it('removes the table objects of earlier batches without a manifest, and nothing else', async () => {
    const landing = bucket([
      // Yesterday's finished batch, the newest before the run.
      'manifests/20261123T230000000Z-aaaaaa.json',
      'address/20261123T230000000Z-aaaaaa.jsonl',
      'sales_order/20261123T230000000Z-aaaaaa.1.jsonl',
      // Two attempts since that failed after some uploads (the second in two parts).
      'address/20261123T235500000Z-bbbbbb.jsonl',
      'payment/20261124T090000000Z-dddddd.jsonl',
      'payment/20261124T090000000Z-dddddd.1.jsonl',
      // The run itself and a later batch, which could still be writing.
      `staff/${RUN}.jsonl`,
      'staff/20261124T100000001Z-ffffff.jsonl',
      // Not a batch object: left to whoever put it there.
      'address/notes.txt',
      `runs/20261123T235500000Z-bbbbbb/ingest.json`,
    ]);
    const log = logger();

    const removed = await removeUnfinishedAttempts(landing, RUN, log);

    expect(removed).toEqual({
      batchIds: ['20261123T235500000Z-bbbbbb', '20261124T090000000Z-dddddd'],
      keys: expect.arrayContaining([
        'address/20261123T235500000Z-bbbbbb.jsonl',
        'payment/20261124T090000000Z-dddddd.jsonl',
        'payment/20261124T090000000Z-dddddd.1.jsonl',
      ]),
    });
    expect(removed.keys).toHaveLength(3);
    expect([...landing.keys].filter((k) => removed.keys.includes(k))).toEqual([]);
    expect(landing.keys.size).toBe(7);
    expect(log.lines).toEqual([
      [
        'Removed the table objects of unfinished ingest attempts',
        { batchId: RUN, attempts: removed.batchIds, keys: 3 },
      ],
    ]);
  });

  it('looks only after the newest manifest, found one day of manifests at a time', async () => {
    const landing = bucket([
      'manifests/20261122T120000000Z-aaaaaa.json',
      'address/20261122T120000000Z-aaaaaa.jsonl',
    ]);

    await removeUnfinishedAttempts(landing, RUN, logger());

    expect(landing.listed.slice(0, 3)).toEqual([
      'manifests/20261124',
      'manifests/20261123',
      'manifests/20261122',
    ]);
    expect(landing.listed).toContain('address/ after address/20261122T120000000Z-aaaaaa');
    expect(landing.listed).toHaveLength(3 + 11);
  });

  it('without a manifest in 31 days, removes the attempts of those 31 days', async () => {
    const landing = bucket([
      'address/20261024T000000000Z-aaaaaa.jsonl',
      'address/20261122T120000000Z-bbbbbb.jsonl',
    ]);
    const log = logger();

    const removed = await removeUnfinishedAttempts(landing, RUN, log);

    expect(removed.batchIds).toEqual(['20261024T000000000Z-aaaaaa', '20261122T120000000Z-bbbbbb']);
    expect(landing.keys.size).toBe(0);
    expect(landing.listed).toContain('address/ after address/20261024');
    expect(landing.listed.filter((p) => p.startsWith('manifests/'))).toHaveLength(32);
  });

  it('removes nothing and says nothing when every batch finished', async () => {
    const landing = bucket([
      'manifests/20261124T080000000Z-eeeeee.json',
      'payment/20261124T080000000Z-eeeeee.jsonl',
    ]);
    const log = logger();
    expect(await removeUnfinishedAttempts(landing, RUN, log)).toEqual({ batchIds: [], keys: [] });
    expect(landing.keys.size).toBe(2);
    expect(log.lines).toEqual([]);
  });

  it('starts after the newest manifest before the run, not after its own or a later one', async () => {
    const landing = bucket([
      'manifests/20261124T080000000Z-aaaaaa.json',
      // A retried invocation of this batch finished once; a later run finished since.
      `manifests/${RUN}.json`,
      'manifests/20261124T110000000Z-gggggg.json',
      // Two attempts after the finished one, the later in a table listed first.
      'payment/20261124T090000000Z-dddddd.jsonl',
      'address/20261124T093000000Z-eeeeee.jsonl',
    ]);

    const removed = await removeUnfinishedAttempts(landing, RUN, logger());

    expect(removed.batchIds).toEqual(['20261124T090000000Z-dddddd', '20261124T093000000Z-eeeeee']);
    expect(landing.listed).toContain('address/ after address/20261124T080000000Z-aaaaaa');
  });
});
