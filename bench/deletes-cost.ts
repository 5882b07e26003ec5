/**
 * What the deletes reconciliation costs the source (docs/guarantees.md, "Deletes"), per million
 * of its rows, against the naive way to find deleted keys: reading every key of the table,
 * `COPY (SELECT <key> FROM t) TO STDOUT`, measured in the same run on the same connection. The
 * reconciliation is the ingest's own code (range-descent.ts over key-side.ts) on the loaded
 * warehouse, once where nothing differs and once where a few keys were deleted from the source —
 * with their dependants, as totesys's foreign keys require — in a transaction rolled back
 * afterwards, so the seeded source is left as it was. The cost is the CPU time of the source's
 * backend, read from /proc (source-cost.ts): the source is the production database.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DELETED_KEYS_REACH } from '../contract/source-deletes';
import {
  sourceKeys,
  sqlKeySide,
  warehouseKeys,
  type KeySide,
} from '../lambdas/ingest/deletes/key-side';
import { findMissingKeys } from '../lambdas/ingest/deletes/range-descent';
import { quoteIdent, SOURCE_TABLES } from '../lambdas/shared/core/catalogue';
import { markdownTable } from './report';
import { processCpuSeconds } from './source-cost';

/** The table reconciled: the largest fact of totesys, whose keys the warehouse keeps per version. */
export const RECONCILED_TABLE = 'sales_order';

/** sales_order's dependants go first, as totesys's foreign keys require, then the orders. */
const DELETE_ORDERS = [
  `DELETE FROM payment WHERE transaction_id IN
     (SELECT transaction_id FROM "transaction" WHERE sales_order_id = ANY($1::int[]))`,
  'DELETE FROM "transaction" WHERE sales_order_id = ANY($1::int[])',
  'DELETE FROM sales_order WHERE sales_order_id = ANY($1::int[])',
];

/** One way of finding the deleted keys, averaged over the rounds. */
export interface DeletesCostCase {
  readonly label: string;
  /** Keys the source holds, as the case saw them. */
  readonly sourceKeys: number;
  /** Queries each side answered in one round (the baseline: one COPY on the source). */
  readonly queries: { readonly source: number; readonly warehouse: number };
  /** Keys each side returned one by one in one round. */
  readonly read: { readonly source: number; readonly warehouse: number };
  /** Keys found missing from the source. */
  readonly found: number;
  readonly seconds: number;
  readonly sourceCpuSeconds: number;
}

export interface DeletesCostReport {
  readonly scale: number;
  readonly date: string;
  readonly machine: string;
  readonly rounds: number;
  readonly table: string;
  /** The warehouse table the table's keys reach (contract/source-deletes.ts). */
  readonly warehouseTable: string;
  readonly deleted: number;
  readonly baseline: DeletesCostCase;
  readonly unchanged: DeletesCostCase;
  readonly withDeletes: DeletesCostCase;
}

export interface DeletesCostSetup {
  readonly sourceUrl: string;
  /** A warehouse that has loaded every source row (the benchmark's passes before). */
  readonly warehouseUrl: string;
  readonly rounds: number;
  /** Keys deleted from the source for the second case, spread evenly over its key span. */
  readonly deleted: number;
}

/** A side that counts the queries it sends. */
function counted(side: KeySide): { side: KeySide; queries: () => number } {
  let queries = 0;
  const sent = <T>(query: Promise<T>) => {
    queries += 1;
    return query;
  };
  return {
    side: {
      bounds: () => sent(side.bounds()),
      summaries: (lo, hi, width) => sent(side.summaries(lo, hi, width)),
      keys: (lo, hi) => sent(side.keys(lo, hi)),
    },
    queries: () => queries,
  };
}

async function backendPid(client: Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]?.pid as number;
}

/** `rounds` runs of `work`, their wall and source-backend CPU seconds averaged. */
async function averaged<T>(
  rounds: number,
  sourcePid: number,
  work: () => Promise<T>,
): Promise<{ last: T; seconds: number; sourceCpuSeconds: number }> {
  const cpu = processCpuSeconds(sourcePid) ?? 0;
  const started = performance.now();
  let last: T | undefined;
  for (let round = 0; round < rounds; round++) last = await work();
  return {
    last: last as T,
    seconds: (performance.now() - started) / 1000 / rounds,
    sourceCpuSeconds: ((processCpuSeconds(sourcePid) ?? 0) - cpu) / rounds,
  };
}

/**
 * The baseline, then the reconciliation where nothing differs, then where `deleted` keys are
 * gone. The first reconciliation must find nothing and the second exactly the keys deleted, or
 * the warehouse did not hold the source's keys and the figures would not be of the same keys.
 */
export async function measureDeletesCost(
  setup: DeletesCostSetup,
  about: Pick<DeletesCostReport, 'scale' | 'date' | 'machine'>,
): Promise<DeletesCostReport> {
  const table = RECONCILED_TABLE;
  const key = SOURCE_TABLES[table].primaryKey;
  const reach = DELETED_KEYS_REACH[table];
  if (!reach) throw new Error(`${table} has no warehouse table its keys reach`);
  const source = new Client({ connectionString: setup.sourceUrl });
  const warehouse = new Client({ connectionString: setup.warehouseUrl });
  await source.connect();
  await warehouse.connect();
  try {
    const pid = await backendPid(source);
    const rounds = Math.max(1, setup.rounds);
    const held = await source.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${quoteIdent(table)}`,
    );
    const keys = Number(held.rows[0]?.n ?? 0);

    const copied = await averaged(rounds, pid, async () => {
      let rows = 0;
      await pipeline(
        source.query(
          copyTo(`COPY (SELECT ${quoteIdent(key)} FROM ${quoteIdent(table)}) TO STDOUT`),
        ),
        new Writable({
          write: (chunk: Buffer, _encoding, done) => {
            for (const byte of chunk) if (byte === 0x0a) rows++;
            done();
          },
        }),
      );
      return rows;
    });
    const baseline: DeletesCostCase = {
      label: `\`COPY (SELECT ${key} FROM ${table}) TO STDOUT\`, every key`,
      sourceKeys: keys,
      queries: { source: 1, warehouse: 0 },
      read: { source: copied.last, warehouse: 0 },
      found: 0,
      seconds: copied.seconds,
      sourceCpuSeconds: copied.sourceCpuSeconds,
    };

    // The ingest's own descent, inside the transaction the caller opened on the source.
    const reconcile = async (label: string, sourceKeyCount: number): Promise<DeletesCostCase> => {
      let queries = { source: 0, warehouse: 0 };
      const run = await averaged(rounds, pid, async () => {
        const s = counted(sqlKeySide(source, sourceKeys(table, key)));
        const w = counted(sqlKeySide(warehouse, warehouseKeys(reach.table, reach.column, true)));
        const missing = await findMissingKeys(s.side, w.side, Number.MAX_SAFE_INTEGER);
        queries = { source: s.queries(), warehouse: w.queries() };
        return missing;
      });
      return {
        label,
        sourceKeys: sourceKeyCount,
        queries,
        read: run.last.read,
        found: run.last.keys.length,
        seconds: run.seconds,
        sourceCpuSeconds: run.sourceCpuSeconds,
      };
    };

    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const unchanged = await reconcile('reconciliation, nothing differs', keys).finally(() =>
      source.query('COMMIT'),
    );
    if (unchanged.found !== 0) {
      throw new Error(
        `The warehouse holds ${unchanged.found} ${table} keys the source does not: load every batch before measuring the reconciliation`,
      );
    }

    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    let withDeletes: DeletesCostCase;
    try {
      const { rows } = await source.query<{ k: number }>(
        `SELECT k FROM (SELECT ${quoteIdent(key)} AS k, row_number() OVER (ORDER BY ${quoteIdent(key)}) AS n
                         FROM ${quoteIdent(table)}) s
          WHERE n % greatest(1, $1::bigint / $2::bigint) = 0 ORDER BY k LIMIT $2`,
        [keys, setup.deleted],
      );
      const gone = rows.map((r) => r.k);
      for (const statement of DELETE_ORDERS) await source.query(statement, [gone]);
      withDeletes = await reconcile(
        `reconciliation, ${gone.length} keys deleted`,
        keys - gone.length,
      );
      if (withDeletes.found !== gone.length) {
        throw new Error(
          `The reconciliation found ${withDeletes.found} of the ${gone.length} ${table} keys deleted`,
        );
      }
    } finally {
      await source.query('ROLLBACK');
    }
    return {
      ...about,
      rounds,
      table,
      warehouseTable: reach.table,
      deleted: withDeletes.found,
      baseline,
      unchanged,
      withDeletes,
    };
  } finally {
    await Promise.all([source.end(), warehouse.end()]);
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const perMillion = (c: DeletesCostCase) =>
  c.sourceKeys === 0 ? 0 : (c.sourceCpuSeconds / c.sourceKeys) * 1e6;

/** The source's CPU of a case over the baseline's, or undefined below /proc's resolution. */
function ratio(c: DeletesCostCase, baseline: DeletesCostCase): string {
  return baseline.sourceCpuSeconds > 0
    ? `${(c.sourceCpuSeconds / baseline.sourceCpuSeconds).toFixed(2)}×`
    : '–';
}

/** The section printed and written to docs/benchmarks.md. */
export function formatDeletesCost(report: DeletesCostReport): string {
  const { baseline, unchanged, withDeletes } = report;
  const row = (c: DeletesCostCase) => [
    c.label,
    int(c.sourceKeys),
    `${c.queries.source} / ${c.queries.warehouse}`,
    `${int(c.read.source)} / ${int(c.read.warehouse)}`,
    c.seconds.toFixed(3),
    c.sourceCpuSeconds.toFixed(3),
    perMillion(c).toFixed(2),
    c === baseline ? '1×' : ratio(c, baseline),
  ];
  return [
    `### Deletes reconciliation, scale ${report.scale}`,
    '',
    `${report.date}; ${report.machine}. The ingest's reconciliation (range-descent.ts) of \`${report.table}\` against the loaded \`${report.warehouseTable}\`, where nothing differs and where ${report.deleted} keys spread over the key span were deleted from the source (in a transaction rolled back afterwards), against reading every key of the table on the same connection. Each figure is the mean of ${report.rounds} ${report.rounds === 1 ? 'round' : 'rounds'}; CPU is the source backend's, from /proc (10 ms ticks).`,
    '',
    markdownTable(
      [
        '',
        'source keys',
        'queries (source / warehouse)',
        'keys read one by one (source / warehouse)',
        'wall s',
        'source CPU s',
        'source CPU s per million rows',
        '× every key',
      ],
      [row(baseline), row(unchanged), row(withDeletes)],
    ),
    '',
    '```',
    `reconciliation of ${report.table}, source CPU per million rows: ${perMillion(unchanged).toFixed(2)} s where nothing differs (${ratio(unchanged, baseline)} reading every key), ${perMillion(withDeletes).toFixed(2)} s with ${report.deleted} keys deleted (${ratio(withDeletes, baseline)})`,
    `keys sent by the source: ${int(withDeletes.read.source)} of ${int(withDeletes.sourceKeys)} with ${report.deleted} deleted; reading every key sends ${int(baseline.read.source)}`,
    '```',
  ].join('\n');
}
