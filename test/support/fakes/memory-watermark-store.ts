import type { PendingSchemaChange } from '../../../lambdas/shared/core/schema-changes';
import type { WatermarkStore } from '../../../lambdas/shared/ports/watermark-store';

/**
 * Watermarks in memory, for the unit tests of `runIngest`: `marks` and `pausedTables` to set and
 * look into, and every watermark written one step in `writes`.
 */
export class MemoryWatermarkStore implements WatermarkStore {
  readonly marks = new Map<string, string>();
  /** `<table> <watermark>` for each watermark written, in order. */
  readonly writes: string[] = [];
  /** The tables an operator paused. */
  pausedTables: string[] = [];
  private offsets: Readonly<Record<string, number>> = {};
  private changes: readonly PendingSchemaChange[] = [];

  read(table: string): Promise<string | undefined> {
    return Promise.resolve(this.marks.get(table));
  }

  write(table: string, watermark: string): Promise<void> {
    this.writes.push(`${table} ${watermark}`);
    this.marks.set(table, watermark);
    return Promise.resolve();
  }

  paused(): Promise<readonly string[]> {
    return Promise.resolve(this.pausedTables);
  }

  locate(table: string): string {
    return `"${table}" in memory`;
  }

  zoneOffsets(): Promise<Readonly<Record<string, number>>> {
    return Promise.resolve(this.offsets);
  }

  setZoneOffsets(offsets: Readonly<Record<string, number>>): Promise<void> {
    this.offsets = offsets;
    return Promise.resolve();
  }

  schemaChanges(): Promise<readonly PendingSchemaChange[]> {
    return Promise.resolve(this.changes);
  }

  setSchemaChanges(changes: readonly PendingSchemaChange[]): Promise<void> {
    this.changes = changes;
    return Promise.resolve();
  }
}
