/**
 * What the ingest costs the source database, against a raw `COPY TO` of the same rows: the CPU
 * time of the source's backend processes, read from `/proc/<pid>/stat` (the embedded PostgreSQL
 * runs on this machine). The source is the company's production OLTP database, so its CPU is the
 * scarcest resource of the whole system; wall time on a shared box would measure the neighbours.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type Pool, type PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { LandingManifest } from '../lambdas/shared/core/manifest';
import { copyToSql } from './baselines';
import type { StageResult } from './stage-protocol';

/** Linux's USER_HZ, the unit of /proc's CPU times: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The phase extract.ts records for each table's snapshot transaction, from BEGIN to COMMIT. */
export const TRANSACTION_PHASE = 'ingest: source transaction open';

/** User + system CPU seconds a process has used, or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After "pid (comm) ", field 3 (state) comes first: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Follows every backend a pool opens on the source: its pid as it connects, its CPU as the pool
 * lets it go (before the backend exits) and when asked. The answer is the CPU all of them used,
 * their start-up included, since the source pays that too.
 */
export function watchBackends(pool: Pool): () => number {
  const pids = new Map<PoolClient, number>();
  const used = new Map<number, number>();
  pool.on('connect', (client) => {
    void client
      .query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      .then((result) => {
        const pid = result.rows[0]?.pid;
        if (pid !== undefined) pids.set(client, pid);
      })
      .catch(() => undefined);
  });
  const read = (pid: number) => {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) used.set(pid, seconds);
  };
  pool.on('remove', (client) => {
    const pid = pids.get(client);
    if (pid !== undefined) read(pid);
  });
  return () => {
    for (const pid of pids.values()) read(pid);
    return [...used.values()].reduce((sum, seconds) => sum + seconds, 0);
  };
}

/** Source CPU seconds of the yardsticks, on the rows of one landed batch. */
export interface SourceCost {
  /** Raw `COPY (SELECT * …) TO STDOUT` of each landed table's window. */
  readonly copyTo: number;
  /** The same windows through the JSON-building query the ingest used before (sqlJsonCopy). */
  readonly sqlJson: number;
}

/** Each yardstick drained on one connection of its own, its backend's CPU read from /proc. */
export async function sourceCostBaselines(
  url: string,
  manifest: LandingManifest,
): Promise<SourceCost> {
  const tables = manifest.tables.filter((t) => t.rows > 0);
  const cost = async (json: boolean) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = result.rows[0]?.pid as number;
      for (const entry of tables) {
        await pipeline(
          client.query(copyTo(copyToSql(entry, json))),
          new Writable({ write: (_chunk, _encoding, done) => done() }),
        );
      }
      return processCpuSeconds(pid) ?? 0;
    } finally {
      await client.end();
    }
  };
  return { copyTo: await cost(false), sqlJson: await cost(true) };
}

/** The figures of one pass: the ingest's source CPU and the yardsticks', summed over batches. */
export interface SourceCostPass {
  readonly label: string;
  readonly ingest: number;
  readonly copyTo: number;
  readonly sqlJson: number;
  /** The longest any table's snapshot transaction stayed open, over every batch. */
  readonly longestTransactionSeconds: number;
  readonly batches: number;
}

/** The goal of issue 27: the ingest costs the source at most this many times a raw COPY TO. */
export const SOURCE_COST_TARGET = 1.5;

/**
 * The lines the report prints for a pass. The target is per row, so it is judged on the initial
 * load; a small batch's figure is mostly the run's fixed queries (clock, columns, plan, counts).
 */
export function sourceCostLines(pass: SourceCostPass): string[] {
  if (pass.copyTo <= 0) return [];
  const ratio = pass.ingest / pass.copyTo;
  const old = pass.sqlJson / pass.copyTo;
  const verdict =
    pass.label === 'initial'
      ? `${ratio <= SOURCE_COST_TARGET ? '✓' : '✗'} (target ≤ ${SOURCE_COST_TARGET}×; `
      : '(fixed per-run queries dominate a small batch; ';
  return [
    `${pass.label} source cost: ${ratio.toFixed(2)}× raw COPY TO in the source's CPU ${verdict}ingest ${pass.ingest.toFixed(2)} CPU s, all its queries, against ${pass.copyTo.toFixed(2)}; the JSON built by PostgreSQL, as before, ${old.toFixed(2)}×)`,
    `${pass.label} longest source transaction: ${pass.longestTransactionSeconds.toFixed(2)} s (the longest any table's snapshot stayed open, over ${pass.batches} ${pass.batches === 1 ? 'batch' : 'batches'})`,
  ];
}

/** A pass's figures from its batches: CPU summed, the transaction the longest of any batch. */
export function sourceCostOf(
  label: string,
  batches: readonly { readonly ingest: StageResult; readonly sourceCost?: SourceCost }[],
): SourceCostPass {
  const sum = (of: (batch: (typeof batches)[number]) => number) =>
    batches.reduce((total, batch) => total + of(batch), 0);
  return {
    label,
    ingest: sum((b) => b.ingest.extra.sourceCpuSeconds ?? 0),
    copyTo: sum((b) => b.sourceCost?.copyTo ?? 0),
    sqlJson: sum((b) => b.sourceCost?.sqlJson ?? 0),
    longestTransactionSeconds: Math.max(
      0,
      ...batches.map((b) => b.ingest.extra.longestTransactionSeconds ?? 0),
    ),
    batches: batches.length,
  };
}
