import { StringDecoder } from 'node:string_decoder';
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
  let chunk: DecodedRow[] = [];
  let line = 0;
  let reading = phaseStart();
  /** Decodes one line; answers true when the chunk is full (kept synchronous: no await a line). */
  const take = (text: string): boolean => {
    line++;
    if (text.length > 0)
      chunk.push(decodeJsonLine(text, table, { bucket: store.bucket, key, line }));
    return chunk.length >= chunkRows;
  };
  const flush = async () => {
    phaseEnd('transform: read + JSON decode', reading);
    await onChunk(chunk);
    chunk = [];
    reading = phaseStart();
  };
  // Lines are cut by hand rather than by node:readline, whose per-line events and async
  // iterator cost about as much as JSON.parse itself. A '\r' before the '\n' goes with the
  // break, as readline's crlfDelay: Infinity did; JSON never holds a raw '\n' inside a value.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const bytes of await store.stream(key)) {
    const text = rest + decoder.write(bytes as Buffer);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (take(text.slice(start, text.charCodeAt(end - 1) === CR ? end - 1 : end))) await flush();
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length > 0) take(rest.charCodeAt(rest.length - 1) === CR ? rest.slice(0, -1) : rest);
  phaseEnd('transform: read + JSON decode', reading);
  if (chunk.length > 0) await onChunk(chunk);
  return line;
}

const CR = 13;
