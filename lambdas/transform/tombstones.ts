import { DELETED_KEYS_REACH } from '../../contract/source-deletes';
import { processedDeletesKey, quarantinedTombstonesKey } from '../shared/core/batch';
import type { SourceTableName } from '../shared/core/catalogue';
import type { LandedTable, ProcessedDeletes } from '../shared/core/manifest';
import { isBadData } from '../shared/core/pipeline-error';
import {
  decodeTombstoneLine,
  encodeTombstoneLine,
  tombstoneLinesOf,
  type TombstoneLine,
} from '../shared/core/tombstones';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';
import { isSnapshotTable, type BatchSnapshots } from './snapshots';

/** One tombstone line that could not be read, with where it was and why. */
interface SetAsideLine {
  readonly source: string;
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

interface TableTombstones {
  readonly source: SourceTableName;
  readonly kept: TombstoneLine[];
  readonly setAside: SetAsideLine[];
}

const SET_ASIDE_NEXT =
  'The tombstone is set aside (the row stays alive in the warehouse); the rest of the batch goes on. ' +
  'The next deletes reconciliation of the table finds the key gone again.';

/**
 * A batch's tombstones (contract/source-deletes.ts), read from landing and handed to the load:
 * per source table, one processed object of the keys for the warehouse table they reach, and an
 * entry of the processed manifest counting them. A line that cannot be read is set aside with
 * its object, line and reason (landing bucket, beside the rows set aside), never dropped
 * unseen. A deleted key leaves the transform's snapshot of its table too, so that a later change
 * to a row it joined does not bring it back; the tombstones are read before the batch's rows, so
 * a row of the same key in the batch is merged back after them.
 */
export class BatchTombstones {
  private readonly tables: TableTombstones[] = [];

  constructor(
    private readonly batchId: string,
    private readonly landing: ObjectStore,
    private readonly log: StageLogger,
  ) {}

  /** Reads a landed table's deletes object, when the batch carries one. */
  async read(entry: LandedTable, snapshots: BatchSnapshots): Promise<void> {
    if (!entry.deletes) return;
    const { table } = entry;
    const key = entry.deletes.key;
    const where = `s3://${this.landing.bucket}/${key}`;
    const text = (await this.landing.get(key)).toString('utf8');
    const reach = DELETED_KEYS_REACH[table];
    const kept: TombstoneLine[] = [];
    const setAside: SetAsideLine[] = [];
    for (const { text: lineText, line } of tombstoneLinesOf(text)) {
      const setAsideFor = (problem: string) =>
        setAside.push({
          source: where,
          line,
          text: lineText,
          reason: `${problem}. ${SET_ASIDE_NEXT}`,
        });
      if (!reach) {
        setAsideFor(
          `${where} line ${line} (table ${table}): ${table} has no warehouse row of its own to mark deleted (contract/source-deletes.ts)`,
        );
        continue;
      }
      try {
        kept.push(decodeTombstoneLine(lineText, table, { bucket: this.landing.bucket, key, line }));
      } catch (error) {
        if (!isBadData(error)) throw error;
        setAsideFor((error as Error).message);
      }
    }
    if (isSnapshotTable(table))
      snapshots.forget(
        table,
        kept.map((t) => t.key),
      );
    if (setAside.length > 0) {
      this.log.warn('Tombstones set aside: a line that cannot be read; the rest goes on', {
        batchId: this.batchId,
        table,
        key,
        lines: setAside.length,
        first: setAside[0]?.reason,
      });
    }
    this.tables.push({ source: table, kept, setAside });
  }

  /**
   * Writes each table's keys to the processed bucket and its lines set aside to the landing
   * bucket; answers the processed manifest's entries, or none when the batch carried no deletes.
   */
  async publish(processed: ObjectStore): Promise<ProcessedDeletes[]> {
    const entries: ProcessedDeletes[] = [];
    for (const { source, kept, setAside } of this.tables) {
      const table = DELETED_KEYS_REACH[source]?.table;
      if (!table) {
        // Only set-aside lines: the manifest still counts them against landing.
        entries.push({ source, rows: 0, ...(await this.setAside(source, setAside)) });
        continue;
      }
      let key: string | undefined;
      if (kept.length > 0) {
        key = processedDeletesKey(table, this.batchId);
        await processed.put(key, kept.map(encodeTombstoneLine).join(''), 'application/x-ndjson');
      }
      entries.push({
        source,
        table,
        ...(key === undefined ? {} : { key }),
        rows: kept.length,
        ...(await this.setAside(source, setAside)),
      });
    }
    return entries;
  }

  private async setAside(
    source: SourceTableName,
    lines: readonly SetAsideLine[],
  ): Promise<{ setAside: number; quarantineKey?: string }> {
    if (lines.length === 0) return { setAside: 0 };
    const quarantineKey = quarantinedTombstonesKey(source, this.batchId);
    const body = lines.map((l) => `${JSON.stringify({ table: source, ...l })}\n`).join('');
    await this.landing.put(quarantineKey, body, 'application/x-ndjson');
    return { setAside: lines.length, quarantineKey };
  }
}
