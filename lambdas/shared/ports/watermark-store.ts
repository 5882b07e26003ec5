import type { PendingSchemaChange } from '../core/schema-changes';

/**
 * Where each source table's watermark lives between runs. A watermark is the upper bound of
 * the last extract window that was safely written: a UTC timestamp
 * 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (earlier releases wrote milliseconds, which read the same).
 */
export interface WatermarkStore {
  /** The stored watermark, or undefined before the table's first run. */
  read(table: string): Promise<string | undefined>;
  write(table: string, watermark: string): Promise<void>;
  /** Where the table's watermark is kept, in words an operator can act on. */
  locate(table: string): string;
  /** The tables an operator paused (`deliverance pause`): ingest leaves them, watermarks and all. */
  paused(): Promise<readonly string[]>;
  /**
   * The source's UTC offset, in seconds, when each table's watermark was read (absent before the
   * first): its wall-clock times are in that zone (lambdas/ingest/zone-step.ts).
   */
  zoneOffsets(): Promise<Readonly<Record<string, number>>>;
  setZoneOffsets(offsets: Readonly<Record<string, number>>): Promise<void>;
  /**
   * The schema changes the last ingest of each table found standing (none before the first):
   * what status and doctor show, and when each was first seen (lambdas/ingest/schema-policy.ts).
   */
  schemaChanges(): Promise<readonly PendingSchemaChange[]>;
  setSchemaChanges(changes: readonly PendingSchemaChange[]): Promise<void>;
}

/** What an operator changes beside the watermarks ingest moves (`deliverance pause`, `resync`). */
export interface OperatedWatermarkStore extends WatermarkStore {
  setPaused(tables: readonly string[]): Promise<void>;
  /** Forgets the table's watermark: its next window reads the table from the start. */
  remove(table: string): Promise<void>;
  /** Where the paused tables are kept, in words an operator can act on. */
  locatePaused(): string;
}
