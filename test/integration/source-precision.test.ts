import { readSourceClock } from '../../lambdas/ingest/source-clock';
import { checkSourceColumns } from '../../lambdas/ingest/live-columns';
import { SOURCE_TABLE_NAMES, SOURCE_TABLES } from '../../lambdas/shared/core/catalogue';
import { formatTimestamp, parseTimestamp } from '../../lambdas/shared/core/value-codecs';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * A totesys whose timestamps are PostgreSQL's default, plain `timestamp` (microseconds), not the
 * real totesys's `timestamp(3)`; `payment` even keeps `timestamptz`. The warehouse must hold the
 * source's values exactly.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  for (const name of SOURCE_TABLE_NAMES) {
    const type = name === 'payment' ? 'timestamptz' : 'timestamp';
    await stack.source.query(
      `ALTER TABLE ${name} ALTER COLUMN created_at TYPE ${type}, ALTER COLUMN last_updated TYPE ${type}`,
    );
  }
  await recordSourceHistory(stack.source);
  await cycle();
});
afterAll(() => stack.stop());

const cycle = () => runCycle(stack, { logger: silentLogger, overlapSeconds: 60 });

/** An instant in the recent past with a microsecond part a millisecond cannot hold. */
const RECENT = `date_trunc('second', now()) - interval '0.957158 seconds'`;

describe('a source with microsecond timestamps', () => {
  it('reads the precision of the live columns', async () => {
    const client = await stack.source.connect();
    try {
      const live = await checkSourceColumns(client, Object.values(SOURCE_TABLES));
      expect(live.precision).toBe(6);
    } finally {
      client.release();
    }
  });

  it('carries every microsecond to the warehouse, for timestamp and timestamptz alike', async () => {
    await stack.source.query(
      `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = ${RECENT}
       WHERE sales_order_id IN (SELECT sales_order_id FROM sales_order ORDER BY sales_order_id LIMIT 5)`,
    );
    await stack.source.query(
      `UPDATE payment SET paid = NOT paid, last_updated = ${RECENT}
       WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT 5)`,
    );
    await stack.source.query(
      `UPDATE staff SET last_name = last_name || 'x', last_updated = ${RECENT}
       WHERE staff_id = (SELECT min(staff_id) FROM staff)`,
    );
    await cycle();
    const times = await stack.warehouse.query<{ t: string }>(
      `SELECT to_char(last_updated_time, 'HH24:MI:SS.US') AS t FROM fact_sales_order
       WHERE to_char(last_updated_time, 'US') LIKE '%042842'`,
    );
    expect(times.rows).toHaveLength(5);
    const staff = await stack.warehouse.query<{ at: string }>(
      `SELECT to_char(source_updated_at, 'SS.US') AS at FROM dim_staff
       WHERE staff_id = (SELECT min(staff_id) FROM dim_staff)`,
    );
    expect(staff.rows[0]?.at.endsWith('.042842')).toBe(true);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('keeps two versions of a row less than a millisecond apart as two fact versions', async () => {
    const id = (
      await stack.source.query<{ id: number }>('SELECT max(sales_order_id) AS id FROM sales_order')
    ).rows[0]!.id;
    const stamp = async (micros: number) => {
      await stack.source.query(
        `UPDATE sales_order SET units_sold = units_sold + 1,
           last_updated = date_trunc('second', now()) - interval '1 second' + $2 * interval '1 microsecond'
         WHERE sales_order_id = $1`,
        [id, micros],
      );
      await cycle();
    };
    await stamp(100);
    await stamp(600);
    const versions = await stack.warehouse.query<{ t: string; units: number }>(
      `SELECT to_char(last_updated_time, 'US') AS t, units_sold AS units FROM fact_sales_order
       WHERE sales_order_id = $1 AND to_char(last_updated_time, 'US') IN ('000100', '000600')
       ORDER BY last_updated_time`,
      [id],
    );
    expect(versions.rows.map((r) => r.t)).toEqual(['000100', '000600']);
    expect(versions.rows[1]!.units).toBe(versions.rows[0]!.units + 1);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});

describe('the upper bound at each column precision', () => {
  it.each([
    [6, 1n],
    [3, 1_000n],
    [0, 1_000_000n],
  ])(
    'with %d fractional digits is one microsecond before the clock cut to them',
    async (precision, step) => {
      const client = await stack.source.connect();
      try {
        const clock = await readSourceClock(client, silentLogger, precision);
        const now = parseTimestamp(clock.now)!;
        expect(clock.upper).toBe(formatTimestamp(now - (now % step) - 1n));
      } finally {
        client.release();
      }
    },
  );
});
