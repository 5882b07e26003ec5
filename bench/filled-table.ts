/**
 * The path every batch after a fact table's first takes: its rows go into a table that already
 * holds the earlier parts, and every index of that table grows. Its figure is set against raw
 * COPY of the same rows into the same tables as filled (copyIntoFilledBaseline), the bound no
 * loader of those tables passes.
 */
import { FACTS } from '../lambdas/shared/core/warehouse-catalogue';
import type { BatchRun, RunReport } from './report';
import { stageCpuSeconds } from './stage-protocol';

/** Target from issue 27. */
export const FILLED_TABLE_TARGET_ROWS_PER_SECOND = 100_000;

/**
 * Whether a batch's load was its measured fact rows alone (a few derived dimension rows aside),
 * so that the stage's time is theirs and can be set against the baseline's.
 */
const factRowsAlone = (batch: BatchRun) =>
  batch.copyIntoFilled !== undefined && batch.copyIntoFilled.rows >= 0.95 * batch.load.rows;

/**
 * The largest batch that continues a fact table the batch before capped, the latest (the
 * fullest table) of those as large; one whose load was the measured rows alone first (a batch
 * that also starts a table holds rows the baseline does not).
 */
function largestFactContinuation(run: RunReport): BatchRun | undefined {
  const continuing = run.batches.filter((b, i) => {
    const capped = run.batches[i - 1]?.capped?.table;
    return capped !== undefined && Object.hasOwn(FACTS, `fact_${capped}`) && b.load.rows > 0;
  });
  const alone = continuing.filter(factRowsAlone);
  return (alone.length > 0 ? alone : continuing).sort(
    (a, b) => b.load.rows - a.load.rows || b.batch - a.batch,
  )[0];
}

const int = (n: number) => Math.round(n).toLocaleString('en-GB');

/**
 * The pass's line for its largest continuing fact batch: the load stage's rows per second
 * (its whole run, start-up included) against the target and, when it loaded fact rows alone,
 * against raw COPY into the filled tables; undefined when no batch continued a fact table.
 */
export function filledTableLine(run: RunReport): string | undefined {
  const batch = largestFactContinuation(run);
  if (!batch) return undefined;
  const { load } = batch;
  const perSecond = load.rows / load.seconds;
  const ok = perSecond >= FILLED_TABLE_TARGET_ROWS_PER_SECOND ? '✓' : '✗';
  const bound = factRowsAlone(batch) ? batch.copyIntoFilled : undefined;
  const againstCopy = bound
    ? `, ${(perSecond / (bound.rows / bound.seconds)).toFixed(2)}× raw COPY of its fact rows into the same tables (${int(bound.rows / bound.seconds)} rows/s: their indexes, no foreign-key triggers)`
    : '';
  const continued = run.batches[batch.batch - 2]?.capped?.table ?? '?';
  const postgres = load.extra.postgresCpuSeconds ?? 0;
  return (
    `${run.label}: load into a filled fact table: ${int(perSecond)} rows/s ${ok} (target ≥ ${int(FILLED_TABLE_TARGET_ROWS_PER_SECOND)})${againstCopy}; ` +
    `batch ${batch.batch}, ${int(load.rows)} rows continuing ${continued} in ${load.seconds.toFixed(2)} s; ` +
    `${int(load.rows / stageCpuSeconds(load))} rows per CPU s of the stage and PostgreSQL, ${int(load.rows / postgres)} per PostgreSQL CPU s`
  );
}
