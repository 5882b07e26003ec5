import type { IngestRun } from '../lambdas/ingest/ingest-stage';
import type { HeldDeletes } from '../lambdas/shared/ports/deletes-state-store';

/**
 * What the deletes reconciliations of a run's batches did (docs/guarantees.md §7), as `run`
 * prints it and as `run --json` carries it: the same facts in both.
 */
export interface RunDeletes {
  /** Tables compared with the warehouse, in every batch together. */
  readonly reconciled: number;
  /** Tombstones landed per table; a table that landed none is absent. */
  readonly tombstones: Readonly<Record<string, number>>;
  /** The deletes the guard held, per table, as the table's last reconciliation of the run left it. */
  readonly held: Readonly<Record<string, HeldDeletes>>;
  /** Tables that waited for the batch of their earlier tombstones to load. */
  readonly waiting: readonly string[];
}

const count = (n: number) => n.toLocaleString('en-GB');

/**
 * The reconciliations of `ingests` (in batch order) taken together; undefined when none of them
 * reconciled a table (none was due).
 *
 * @example
 * runDeletesOf(cycles.map((c) => c.ingest)); // { reconciled: 10, tombstones: { payment: 1 }, held: {}, waiting: [] }
 */
export function runDeletesOf(
  ingests: readonly Pick<IngestRun, 'deletes'>[],
): RunDeletes | undefined {
  const reports = ingests.flatMap((i) => i.deletes?.tables ?? []);
  if (reports.length === 0) return undefined;
  const tombstones: Record<string, number> = {};
  const held = new Map<string, HeldDeletes>();
  const reconciled = new Set<string>();
  const waiting = new Set<string>();
  for (const t of reports) {
    if (t.waitingFor) {
      waiting.add(t.table);
      continue;
    }
    reconciled.add(t.table);
    waiting.delete(t.table);
    if (t.landed > 0) tombstones[t.table] = (tombstones[t.table] ?? 0) + t.landed;
    if (t.held) held.set(t.table, t.held);
    else held.delete(t.table);
  }
  return {
    reconciled: reconciled.size,
    tombstones,
    held: Object.fromEntries(held),
    waiting: [...waiting],
  };
}

/** Tombstones landed in all. */
export function tombstonesOf(deletes: RunDeletes | undefined): number {
  return Object.values(deletes?.tombstones ?? {}).reduce((sum, n) => sum + n, 0);
}

/**
 * One line: tables reconciled, tombstones landed per table, what the guard holds and what to do.
 *
 * @example
 * runDeletesText(deletes);
 * // 'deletes: 10 tables reconciled, 3 tombstones landed (sales_order 2, payment 1)'
 */
export function runDeletesText(deletes: RunDeletes): string {
  const landed = Object.entries(deletes.tombstones);
  const total = tombstonesOf(deletes);
  const held = Object.entries(deletes.held);
  return [
    `deletes: ${count(deletes.reconciled)} ${deletes.reconciled === 1 ? 'table' : 'tables'} reconciled, ${count(total)} ${total === 1 ? 'tombstone' : 'tombstones'} landed`,
    landed.length > 0 ? ` (${landed.map(([t, n]) => `${t} ${count(n)}`).join(', ')})` : '',
    held.length > 0
      ? `; held by the guard: ${held.map(([t, h]) => `${t} ${count(h.keys)} ${h.keys === 1 ? 'key' : 'keys'} (${(h.share * 100).toFixed(1)}%)`).join(', ')}: check the source; if the deletes are real, deliverance deletes --table T --confirm`
      : '',
    deletes.waiting.length > 0
      ? `; waiting for their earlier tombstones to load: ${deletes.waiting.join(', ')}`
      : '',
  ].join('');
}
