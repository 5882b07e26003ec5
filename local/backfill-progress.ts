import type { IngestResult } from '../lambdas/ingest/ingest';
import type { SourceTableName } from '../lambdas/shared/core/catalogue';

interface TableBackfill {
  rows: number;
  batches: number;
  remaining: number;
  /**
   * When the batch that brought its first rows began: tables drain one after another, so a
   * table's rate starts there, not at the run's start.
   */
  startedAt: number;
  /** When the table caught up: its rate stops there, not at the slowest table's end. */
  caughtUpAt?: number;
}

/**
 * A backfill's progress over the batches of one run, per table: the rows landed so far, what the
 * last batch said remains, the rate and the time left at that rate. Only tables that were capped
 * at least once are followed; a table that was never behind has nothing to report.
 */
export class BackfillProgress {
  private readonly tables = new Map<SourceTableName, TableBackfill>();
  /** When the batch being added began: the end of the one before, or the run's start. */
  private batchStartedAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.batchStartedAt = now();
  }

  add(ingest: Pick<IngestResult, 'manifest'>): void {
    const startedAt = this.batchStartedAt;
    this.batchStartedAt = this.now();
    for (const table of ingest.manifest.tables) {
      const known = this.tables.get(table.table);
      if (!known && table.upTo === undefined) continue;
      const entry: TableBackfill = known ?? { rows: 0, batches: 0, remaining: 0, startedAt };
      if (entry.caughtUpAt !== undefined) continue;
      entry.rows += table.rows;
      entry.batches += 1;
      entry.remaining = table.remaining ?? 0;
      if (entry.remaining === 0) entry.caughtUpAt = this.now();
      this.tables.set(table.table, entry);
    }
  }

  /**
   * One line per followed table, e.g.
   * `sales_order: 30,000 of ~100,000 rows (30 %), 3 batches, 12,000 rows/s, about 6 s left`.
   */
  lines(): string[] {
    return [...this.tables].map(([table, { rows, batches, remaining, startedAt, caughtUpAt }]) => {
      const seconds = Math.max(((caughtUpAt ?? this.now()) - startedAt) / 1000, 1e-3);
      const total = rows + remaining;
      const rate = rows / seconds;
      const left =
        remaining === 0
          ? 'caught up'
          : `about ${formatDuration(remaining / Math.max(rate, 1))} left`;
      return `${table}: ${count(rows)} of ~${count(total)} rows (${Math.floor((100 * rows) / Math.max(total, 1))} %), ${batches} ${batches === 1 ? 'batch' : 'batches'}, ${count(Math.round(rate))} rows/s, ${left}`;
    });
  }
}

const count = (n: number) => n.toLocaleString('en-GB');

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
