import { Transform, type TransformCallback } from 'node:stream';
import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { SourceTable } from '../shared/core/catalogue';
import { timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';
import { extractCopy, extractStats } from './extract-query';
import type { ExtractWindow } from './window';

export interface ExtractResult {
  readonly rows: number;
  readonly bytes: number;
  readonly newest: string | null;
  readonly keys: string[];
}

/** Counts lines and bytes as they stream past, so nothing is buffered to measure a file. */
class LineCounter extends Transform {
  lines = 0;
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines++;
    done(null, chunk);
  }
}

/**
 * Streams one table's window from PostgreSQL to one JSON-lines object. Both reads run in one
 * repeatable-read snapshot, so the counted rows are exactly the rows written.
 */
export async function extractTable(
  client: ClientBase,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  keepExtraColumns: boolean,
): Promise<ExtractResult> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const stats = await timePhase('ingest: count rows', () =>
      client.query<{ rows: number; newest: string | null }>(extractStats(table, window)),
    );
    const { rows, newest } = stats.rows[0] ?? { rows: 0, newest: null };
    if (rows === 0) {
      await client.query('COMMIT');
      return { rows: 0, bytes: 0, newest: null, keys: [] };
    }
    const counter = new LineCounter();
    const source = client.query(copyTo(extractCopy(table, window, keepExtraColumns)));
    source.on('error', (error) => counter.destroy(error));
    await timePhase('ingest: COPY JSON → upload (streamed)', () =>
      store.upload(key, source.pipe(counter), 'application/x-ndjson'),
    );
    if (counter.lines !== rows) {
      throw new Error(
        `Extract of ${table.name} wrote ${counter.lines} lines to s3://${store.bucket}/${key} but the snapshot holds ${rows} rows`,
      );
    }
    await client.query('COMMIT');
    return { rows, bytes: counter.bytes, newest, keys: [key] };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
