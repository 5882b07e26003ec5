/**
 * `npm run bench -- --compare-cap N`: the initial load drained in batches of at most N rows per
 * table, then again in one uncapped batch on the same seeded source (the warehouse, buckets and
 * watermarks emptied in between), and the two compared: the cost of a backfill against a first
 * load. The rate of the path every batch after a table's first takes is every pass's
 * (filled-table.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineContext } from '../local/pipeline-context';
import type { RunReport } from './report';
import { stageCpuSeconds, type StageResult } from './stage-protocol';

/** Targets from issue 27. */
export const CAP_TARGETS = { cappedVsUncapped: 1.3 };

/** Empties everything downstream of the source, so a second initial load starts from nothing. */
export async function resetDownstream(context: PipelineContext, stateDir: string): Promise<void> {
  for (const store of [context.landing, context.processed]) {
    for (const key of await store.list('')) await store.delete(key);
  }
  await rm(join(stateDir, 'watermarks.json'), { force: true });
  const tables = await context.warehouse.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname IN ('public', 'etl') AND tablename NOT IN ('schema_migrations', 'schema_views')`,
  );
  const names = tables.rows.map((t) => t.name).join(', ');
  if (names) await context.warehouse.query(`TRUNCATE ${names} RESTART IDENTITY CASCADE`);
}

interface PassCost {
  readonly runs: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly loadSeconds: number;
  readonly loadCpuSeconds: number;
}

function passCost(run: RunReport): PassCost {
  const stages = run.batches.flatMap((b) => [b.ingest, b.transform, b.load]);
  const loads = run.batches.map((b) => b.load);
  const sum = (list: StageResult[], of: (s: StageResult) => number) =>
    list.reduce((total, s) => total + of(s), 0);
  return {
    runs: run.batches.length,
    seconds: sum(stages, (s) => s.seconds),
    cpuSeconds: sum(stages, stageCpuSeconds),
    loadSeconds: sum(loads, (s) => s.seconds),
    loadCpuSeconds: sum(loads, stageCpuSeconds),
  };
}

/**
 * What a batch costs with nothing in it: the stage processes of the pass's last batch when it
 * landed no rows (Node.js and tsx starting, connections, manifests), ingest + transform + load
 * and load alone. Each stage runs in a process of its own here, so a pass of many batches pays
 * this many times; a warm Lambda does not.
 */
function emptyBatchCost(run: RunReport): { all: number; load: number } | undefined {
  const last = run.batches.at(-1);
  if (!last || last.ingest.rows > 0) return undefined;
  return {
    all:
      stageCpuSeconds(last.ingest) + stageCpuSeconds(last.transform) + stageCpuSeconds(last.load),
    load: stageCpuSeconds(last.load),
  };
}

const secs = (n: number) => n.toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en-GB');

/** The comparison's ratio/target lines, for the report's verdict block. */
export function capComparisonLines(capped: RunReport, uncapped: RunReport, cap: number): string[] {
  const a = passCost(capped);
  const b = passCost(uncapped);
  const ok = (pass: boolean) => (pass ? '✓' : '✗');
  const ratio = a.cpuSeconds / b.cpuSeconds;
  const lines = [
    `capped vs uncapped initial load: ${ratio.toFixed(2)}× in CPU s ${ok(ratio <= CAP_TARGETS.cappedVsUncapped)} (target ≤ ${CAP_TARGETS.cappedVsUncapped}×; stage processes + PostgreSQL: ${secs(a.cpuSeconds)} CPU s in ${a.runs} batches of at most ${int(cap)} rows against ${secs(b.cpuSeconds)} in ${b.runs}; stage time ${secs(a.seconds)} s against ${secs(b.seconds)} s, ${(a.seconds / b.seconds).toFixed(2)}×)`,
    `capped vs uncapped, load alone: ${(a.loadCpuSeconds / b.loadCpuSeconds).toFixed(2)}× in CPU s (${secs(a.loadCpuSeconds)} against ${secs(b.loadCpuSeconds)}; ${secs(a.loadSeconds)} s against ${secs(b.loadSeconds)} s)`,
  ];
  const empty = emptyBatchCost(capped);
  if (empty) {
    const work = (pass: PassCost, total: number, each: number) => total - pass.runs * each;
    const all = work(a, a.cpuSeconds, empty.all) / work(b, b.cpuSeconds, empty.all);
    const load = work(a, a.loadCpuSeconds, empty.load) / work(b, b.loadCpuSeconds, empty.load);
    lines.push(
      `capped vs uncapped without each batch's fixed cost: ${all.toFixed(2)}× in CPU s ${ok(all <= CAP_TARGETS.cappedVsUncapped)}, load alone ${load.toFixed(2)}× (an empty batch's stage runs cost ${secs(empty.all)} CPU s, its load ${secs(empty.load)}, mostly process start-up)`,
    );
  }
  lines.push(
    `load CPU s per batch, stage + PostgreSQL: ${capped.batches.map((run) => `${run.batch}: ${secs(run.load.extra.cpuSeconds ?? 0)} + ${secs(run.load.extra.postgresCpuSeconds ?? 0)}`).join(', ')}; uncapped: ${uncapped.batches.map((run) => `${secs(run.load.extra.cpuSeconds ?? 0)} + ${secs(run.load.extra.postgresCpuSeconds ?? 0)}`).join(', ')}`,
  );
  return lines;
}
