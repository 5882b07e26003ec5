import type { LoadLog, LoadLogEntry } from '../../../lambdas/shared/ports/load-log';
import type {
  LoadTransaction,
  WarehouseWriter,
} from '../../../lambdas/shared/ports/warehouse-writer';
import { MemoryLoadLog } from './memory-load-log';

/**
 * The warehouse in memory as the load writes it, for the unit tests of `runLoad`. A table
 * written is one step in `steps`; a transaction's steps and load-log entries become part of
 * `committed` and `loadLog` only when it commits. `failing` makes a table's write throw.
 */
export class MemoryWarehouseWriter implements WarehouseWriter {
  /** Everything every transaction did, in order: `begin`, `write <table>`, `commit`, … */
  readonly steps: string[] = [];
  /** The `write <table>` steps of committed transactions, in order. */
  readonly committed: string[] = [];
  /** The error a table's write throws, by table name. */
  readonly failing = new Map<string, unknown>();

  constructor(readonly loadLog: MemoryLoadLog = new MemoryLoadLog()) {}

  begin(): Promise<LoadTransaction> {
    this.steps.push('begin');
    const writes: string[] = [];
    const entries: LoadLogEntry[] = [];
    const committedLog = this.loadLog;
    const loadLog: LoadLog = {
      exists: () => committedLog.exists(),
      has: async (batchId) =>
        entries.some((e) => e.batchId === batchId) || (await committedLog.has(batchId)),
      record: async (entry) => {
        this.steps.push(`log ${entry.batchId}`);
        entries.push(entry);
      },
      loadedSince: (from) => committedLog.loadedSince(from),
      loadedOn: (day) => committedLog.loadedOn(day),
      latest: () => committedLog.latest(),
    };
    return Promise.resolve({
      loadLog,
      writeTable: async (processed, table, file) => {
        this.steps.push(`write ${table.name}`);
        await processed.get(file.key);
        if (this.failing.has(table.name)) throw this.failing.get(table.name);
        writes.push(`write ${table.name}`);
        return { table: table.name, staged: file.rows, written: file.rows };
      },
      applyDeletes: async (processed, deletes) => {
        this.steps.push(`delete ${deletes.table.name}`);
        await processed.get(deletes.key);
        writes.push(`delete ${deletes.table.name}`);
        return { table: deletes.table.name, tombstones: deletes.rows, deleted: deletes.rows };
      },
      recordSchemaChanges: (changes) => {
        if (changes.length > 0) writes.push(`schema changes ${changes.length}`);
        return Promise.resolve();
      },
      commit: async () => {
        this.steps.push('commit');
        this.committed.push(...writes);
        for (const entry of entries) await committedLog.record(entry);
      },
      rollback: () => {
        this.steps.push('rollback');
        return Promise.resolve();
      },
      release: () => {
        this.steps.push('release');
      },
    });
  }
}
