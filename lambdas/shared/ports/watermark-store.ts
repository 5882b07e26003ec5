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
}
