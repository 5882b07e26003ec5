import type { LoadResult } from '../lambdas/load/load';
import type { ProcessedManifest } from '../lambdas/shared/core/manifest';
import type { CycleResult } from '../local/run-cycle';
import { runDeletesOf, tombstonesOf } from './run-deletes';

const count = (n: number) => n.toLocaleString('en-GB');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** What a transform set aside: rows the warehouse cannot hold, and objects refused whole. */
function setAsideText(manifests: readonly (ProcessedManifest | undefined)[]): string {
  const rows = sum(manifests.flatMap((m) => (m?.quarantinedRows ?? []).map((q) => q.rows)));
  const objects = sum(manifests.map((m) => m?.quarantined.length ?? 0));
  return `${count(rows)} set aside${objects > 0 ? `, ${plural(objects, 'object')} quarantined` : ''}`;
}

/** `1,234 loaded (56 new or changed)`: warehouse rows staged, and those that changed anything. */
function loadedText(loads: readonly LoadResult[]): string {
  const tables = loads.flatMap((l) => l.tables);
  return `${count(sum(tables.map((t) => t.staged)))} loaded (${count(sum(tables.map((t) => t.written)))} new or changed)`;
}

/**
 * The closing line of `run`, after `<command>: done in T s: `; the tombstones landed and the
 * tables the deletes guard held when a batch reconciled deletes.
 *
 * @example
 * runSummary(cycles); // '2 batches, 21,887 rows landed, 24,000 loaded (23,900 new or changed), 0 set aside'
 */
export function runSummary(cycles: readonly CycleResult[]): string {
  const landed = sum(cycles.flatMap((c) => c.ingest.manifest.tables.map((t) => t.rows)));
  const deletes = runDeletesOf(cycles.map((c) => c.ingest));
  const held = Object.keys(deletes?.held ?? {});
  return [
    plural(cycles.length, 'batch', 'batches'),
    `${count(landed)} rows landed`,
    loadedText(cycles.map((c) => c.load)),
    setAsideText(cycles.map((c) => c.transform.manifest)),
    ...(deletes ? [plural(tombstonesOf(deletes), 'tombstone') + ' landed'] : []),
    ...(held.length > 0 ? [`deletes of ${held.join(', ')} held by the guard`] : []),
  ].join(', ');
}

/** The closing line of `replay`: the batch, and what its transform (when replayed) and load did. */
export function replaySummary(
  batchId: string,
  transform: { readonly skipped: boolean; readonly manifest?: ProcessedManifest } | undefined,
  load: LoadResult,
): string {
  const skipped = load.skipped && (transform?.skipped ?? true);
  return [
    `batch ${batchId}${skipped ? ' already done, nothing replayed' : ''}`,
    loadedText([load]),
    setAsideText([transform?.manifest]),
  ].join(', ');
}

/** The closing line of `seed`: the scale and rows per table, in total. */
export function seedSummary(scale: number, rows: Readonly<Record<string, number>>): string {
  const tables = Object.values(rows);
  return `scale ${scale}, ${plural(tables.length, 'table')}, ${count(sum(tables))} rows`;
}

/** The closing line of `redrive`: messages redriven and kept, over the stages' queues. */
export function redriveSummary(redriven: number, kept: number): string {
  return `${plural(redriven, 'message')} redriven and deleted, ${count(kept)} kept in the queue`;
}
