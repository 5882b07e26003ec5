import { createInterface } from 'node:readline';
import type { SourceTable } from './core/catalogue';
import { decodeJsonLine, type DecodedRow } from './core/json-lines';
import { phaseEnd, phaseStart } from './phase-timer';
import type { ObjectStore } from './ports/object-store';

/**
 * Streams a landing object's rows in chunks, each row checked against the catalogue, so a
 * table of any size is read with memory bounded by one chunk. A bad line throws a
 * LandingLineError naming the bucket, key, line and column.
 */
export async function readLandingRows(
  store: ObjectStore,
  key: string,
  table: SourceTable,
  onChunk: (rows: DecodedRow[]) => void | Promise<void>,
  chunkRows = 50_000,
): Promise<number> {
  const lines = createInterface({ input: await store.stream(key), crlfDelay: Infinity });
  let chunk: DecodedRow[] = [];
  let line = 0;
  let reading = phaseStart();
  for await (const text of lines) {
    line++;
    if (text.length === 0) continue;
    chunk.push(decodeJsonLine(text, table, { bucket: store.bucket, key, line }));
    if (chunk.length >= chunkRows) {
      phaseEnd('transform: read + JSON decode', reading);
      await onChunk(chunk);
      chunk = [];
      reading = phaseStart();
    }
  }
  phaseEnd('transform: read + JSON decode', reading);
  if (chunk.length > 0) await onChunk(chunk);
  return line;
}
