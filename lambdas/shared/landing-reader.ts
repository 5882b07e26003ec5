import { isUtf8 } from 'node:buffer';
import type { SourceTable } from './core/catalogue';
import {
  decodeJsonLine,
  LandingLineError,
  MAX_LANDING_LINE_BYTES,
  type DecodedRow,
} from './core/json-lines';
import { phaseEnd, phaseStart } from './phase-timer';
import type { ObjectStore } from './ports/object-store';

/**
 * Streams a landing object's rows in chunks, each row checked against the catalogue, so a
 * table of any size is read with memory bounded by one chunk. A bad line throws a
 * LandingLineError naming the bucket, key, line and column; a line longer than
 * MAX_LANDING_LINE_BYTES or bytes that are not UTF-8 throw one naming the byte offset too.
 */
export async function readLandingRows(
  store: ObjectStore,
  key: string,
  table: SourceTable,
  onChunk: (rows: DecodedRow[]) => void | Promise<void>,
  chunkRows = 10_000,
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
  const refuse = (at: number, byte: number, problem: string) =>
    new LandingLineError(
      { bucket: store.bucket, key, line: at, byte },
      table.name,
      undefined,
      problem,
    );
  // Lines are cut by hand rather than by node:readline, whose per-line events and async
  // iterator cost about as much as JSON.parse itself. A '\r' before the '\n' goes with the
  // break, as readline's crlfDelay: Infinity did; JSON never holds a raw '\n' inside a value.
  // Bytes are cut at line breaks before they are decoded: a '\n' byte is never part of a
  // longer UTF-8 sequence, so every run of whole lines is whole characters, checked with
  // isUtf8 and decoded by Buffer (several times cheaper than a fatal streaming TextDecoder)
  // so that bytes that are not UTF-8 refuse the object instead of becoming U+FFFD unseen.
  let offset = 0;
  let lineStart = 0;
  /** The bytes of the line not yet ended. */
  let unended: Buffer[] = [];
  /**
   * Whole lines as text; `firstLine` and `firstByte` say where `bytes` begin, for the refusal.
   * A byte-order mark opening the object goes, as a TextDecoder would drop it.
   */
  const decode = (bytes: Buffer, firstLine: number, firstByte: number): string => {
    if (!isUtf8(bytes)) {
      const bad = firstInvalidUtf8(bytes);
      throw refuse(
        firstLine + breaksBefore(bytes, bad),
        firstByte + bad,
        `is not UTF-8 (0x${bytes.subarray(bad, bad + 1).toString('hex')}): ` +
          "restore the object from the bucket's earlier versions, then replay the batch",
      );
    }
    const text = bytes.toString('utf8');
    return firstByte === 0 && text.charCodeAt(0) === BOM ? text.slice(1) : text;
  };
  const withoutCr = (text: string, start: number, end: number) =>
    text.slice(start, text.charCodeAt(end - 1) === CR ? end - 1 : end);
  for await (const received of await store.stream(key)) {
    const whole = received as Buffer;
    // In pieces no longer than a line may be, so that a line begun and ended in one is within it.
    for (let from = 0; from < whole.length; from += MAX_LANDING_LINE_BYTES) {
      const bytes = whole.subarray(from, from + MAX_LANDING_LINE_BYTES);
      const firstBreak = bytes.indexOf(LF);
      if (
        offset + (firstBreak === -1 ? bytes.length : firstBreak) - lineStart >
        MAX_LANDING_LINE_BYTES
      ) {
        throw refuse(
          line + 1,
          lineStart,
          `is longer than ${MAX_LANDING_LINE_BYTES} bytes, where a row is a few KB: the object ` +
            'is damaged (a lost line break?) or not a landing object; restore it, then replay the batch',
        );
      }
      if (firstBreak === -1) {
        unended.push(bytes);
      } else {
        const lastBreak = bytes.lastIndexOf(LF);
        // Both decoded before any line is taken, as one decode of the piece would be.
        const headBytes = bytes.subarray(0, firstBreak);
        const head = decode(
          unended.length === 0 ? headBytes : Buffer.concat([...unended, headBytes]),
          line + 1,
          lineStart,
        );
        const body =
          lastBreak > firstBreak
            ? decode(bytes.subarray(firstBreak + 1, lastBreak), line + 2, offset + firstBreak + 1)
            : undefined;
        if (take(withoutCr(head, 0, head.length))) await flush();
        if (body !== undefined) {
          let start = 0;
          for (;;) {
            const found = body.indexOf('\n', start);
            const end = found === -1 ? body.length : found;
            if (take(withoutCr(body, start, end))) await flush();
            if (found === -1) break;
            start = end + 1;
          }
        }
        unended = lastBreak + 1 < bytes.length ? [bytes.subarray(lastBreak + 1)] : [];
        lineStart = offset + lastBreak + 1;
      }
      offset += bytes.length;
    }
  }
  if (unended.length > 0) {
    const rest = decode(Buffer.concat(unended), line + 1, lineStart);
    take(withoutCr(rest, 0, rest.length));
  }
  phaseEnd('transform: read + JSON decode', reading);
  if (chunk.length > 0) await onChunk(chunk);
  return line;
}

const LF = 10;
const CR = 13;
const REPLACEMENT = '\uFFFD';
const BOM = 0xfeff;

/**
 * The offset of the first byte that is not UTF-8 in bytes that begin on a character boundary
 * and that isUtf8 refused. Only then is it called, so it may be slow: Node's own
 * decoding replaces each bad sequence with U+FFFD, and a U+FFFD the bytes really hold is
 * skipped.
 */
function firstInvalidUtf8(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  for (let i = text.indexOf(REPLACEMENT); i !== -1; i = text.indexOf(REPLACEMENT, i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (bytes[at] !== 0xef || bytes[at + 1] !== 0xbf || bytes[at + 2] !== 0xbd) return at;
  }
  // Node's two decoders agree on what is UTF-8, so this is not reached; the end is the
  // nearest true answer if they ever do not.
  return bytes.length;
}

function breaksBefore(bytes: Buffer, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(LF); i !== -1 && i < end; i = bytes.indexOf(LF, i + 1)) count++;
  return count;
}
