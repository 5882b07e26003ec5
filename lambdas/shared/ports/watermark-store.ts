/**
 * Where each source table's watermark lives between runs. A watermark is the upper bound of
 * the last extract window that was safely written: an ISO-8601 UTC timestamp with milliseconds.
 */
export interface WatermarkStore {
  /** The stored watermark, or undefined before the table's first run. */
  read(table: string): Promise<string | undefined>;
  write(table: string, watermark: string): Promise<void>;
}
