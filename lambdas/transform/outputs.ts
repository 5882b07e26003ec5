import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processedKey } from '../shared/core/batch';
import type { ProcessedTable } from '../shared/core/manifest';
import type { WarehouseRow, WarehouseTable } from '../shared/core/warehouse-catalogue';
import { openParquetWriter, type ParquetTableWriter } from '../shared/parquet';
import { phaseEnd, phaseStart, timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';

/**
 * One warehouse table's Parquet file for a batch, built a row group at a time in the work
 * folder (Lambda's /tmp) so memory holds one chunk, then streamed up to the processed bucket.
 */
export class TableOutput {
  private writer: ParquetTableWriter | undefined;
  rows = 0;
  private readonly path: string;

  constructor(
    readonly table: WarehouseTable,
    private readonly batchId: string,
    workDir: string,
    private readonly rowGroupRows: number,
  ) {
    this.path = join(workDir, `${batchId}-${table.name}.parquet`);
  }

  /**
   * Takes `rows` into the row group being built: converted to column values at once, so the
   * row objects die young rather than being held (and copied by the garbage collector) until
   * the row group is full.
   */
  async add(rows: readonly WarehouseRow[]): Promise<void> {
    if (rows.length === 0) return;
    const started = phaseStart();
    this.writer ??= await openParquetWriter(this.path, this.table);
    this.writer.appendRows(rows);
    this.rows += rows.length;
    if (this.writer.pendingRows >= this.rowGroupRows) this.writer.endRowGroup();
    phaseEnd('transform: Parquet encode', started);
  }

  /** Uploads the file; answers its key, or undefined when the table got no rows. */
  async publish(store: ObjectStore): Promise<string | undefined> {
    if (this.rows === 0) return undefined;
    this.writer?.endRowGroup();
    await this.writer?.close();
    const key = processedKey(this.table.name, this.batchId);
    try {
      await timePhase('transform: upload', () =>
        store.upload(key, createReadStream(this.path), 'application/vnd.apache.parquet'),
      );
    } finally {
      await rm(this.path, { force: true });
    }
    return key;
  }

  async discard(): Promise<void> {
    await this.writer?.close().catch(() => undefined);
    this.writer = undefined;
    this.rows = 0;
    await rm(this.path, { force: true });
  }
}

/** A batch's Parquet files, one per warehouse table, created as a table first gets rows. */
export class BatchOutputs {
  private readonly outputs = new Map<string, TableOutput>();

  constructor(
    private readonly batchId: string,
    private readonly workDir: string,
    private readonly rowGroupRows: number,
  ) {}

  for(table: WarehouseTable): TableOutput {
    let output = this.outputs.get(table.name);
    if (!output) {
      output = new TableOutput(table, this.batchId, this.workDir, this.rowGroupRows);
      this.outputs.set(table.name, output);
    }
    return output;
  }

  /** Uploads every table that got rows; answers the processed manifest's entries for them. */
  async publish(store: ObjectStore): Promise<ProcessedTable[]> {
    const tables: ProcessedTable[] = [];
    for (const output of this.outputs.values()) {
      const key = await output.publish(store);
      if (key) tables.push({ table: output.table.name, key, rows: output.rows });
    }
    return tables;
  }
}
