import { Pool } from 'pg';
import { readWatermark } from '../../lambdas/ingest/window';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { ingestBatch, runCycle } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from '../integration/support/test-stack';

/**
 * `last_updated` is a `timestamp without time zone`: writers stamp now() in the server's
 * TimeZone. When that zone steps back by `STEP` seconds, rows written after the step are stamped
 * behind the watermark read before it; a run that comes once the clock has caught up would read
 * past them and exit 0. The promise: the run sees the step, reads them, and says so.
 */
// PostgreSQL takes a zone's offset in whole minutes (one in seconds is refused as "appears to
// use leap seconds"): the smallest step there is.
const STEP = 60;
let stack: TestStack;
const pools: Pool[] = [];
let run: { code: number; stdout: string };
let stamp: { key: number; lastUpdated: string; watermark: string };

/** New sessions of the source, in `zone`: a database's setting is read as a session starts. */
async function sessionsIn(zone: string): Promise<Pool> {
  await stack.source.query(`ALTER DATABASE totesys SET timezone TO '${zone}'`);
  const pool = new Pool({ connectionString: stack.stack.postgres!.url('totesys'), max: 4 });
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  await recordSourceHistory(stack.source);
  const options = { logger: silentLogger, overlapSeconds: 0 };
  await runCycle({ ...stack, source: await sessionsIn('UTC') }, options);
  // The zone steps forward (nothing is lost that way), one batch is read in it, then it steps
  // back at once and a writer stamps a row.
  const ahead = await sessionsIn('AHEAD-00:01');
  await ingestBatch({ ...stack, source: ahead }, options);
  const back = await sessionsIn('UTC');
  const changed = await back.query<{ key: number; stamp: string }>(
    `UPDATE staff SET last_name = last_name || 'z', last_updated = now()
     WHERE staff_id = (SELECT max(staff_id) FROM staff)
     RETURNING staff_id AS key, to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS stamp`,
  );
  const watermark = readWatermark((await stack.watermarks.read('staff'))!);
  stamp = {
    key: changed.rows[0]!.key,
    lastUpdated: changed.rows[0]!.stamp,
    watermark: watermark?.through ?? '',
  };
  // The next run comes once the source's clock has passed the watermark again: it is not refused.
  for (;;) {
    const { rows } = await back.query<{ past: boolean }>(
      'SELECT localtimestamp > $1::timestamp AS past',
      [stamp.watermark.replace('Z', '')],
    );
    if (rows[0]?.past) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  run = await runDeliverance(['run'], {
    ...cliEnvironment(stack),
    DELIVERANCE_OVERLAP_SECONDS: '0',
  });
}, 300_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await stack?.stop();
});

describe("the source's TimeZone stepped back between two runs", () => {
  it('stamps the row written after the step behind the watermark read before it (the case)', () => {
    expect(stamp.watermark).not.toBe('');
    expect(stamp.lastUpdated < stamp.watermark).toBe(true);
  });

  it('loads that row all the same: the warehouse equals the reference', async () => {
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('is told in one line naming the source database and the step, and the run exits 3 (needs attention)', () => {
    expect(run.stdout).toContain(
      `The TimeZone of the source database totesys stepped back ${STEP} s (now UTC) since `,
    );
    expect(run.code).toBe(3);
  });
});
