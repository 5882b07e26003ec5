/**
 * Turns the rows of a plain `COPY … TO STDOUT` (text format) into the landing's JSON lines, byte
 * for byte what PostgreSQL's `row_to_json` over the extract's old select list wrote
 * (extract-query.ts `sqlJsonSelect`): the source then only prints its values, its cheapest
 * output, and the JSON is built here, where CPU is cheap and scales out.
 *
 * The text is handled as latin1, one character per byte: the only bytes JSON escapes are ASCII
 * (controls, `"`, `\`), so every byte of a multibyte UTF-8 character passes through unchanged and
 * nothing is decoded or re-encoded. A line of COPY is a row: COPY escapes newlines in values.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { InvariantError } from '../shared/core/pipeline-error';

/**
 * How one column's COPY text becomes its JSON value:
 * - `number`: an integer's text is its JSON number;
 * - `decimal`: numeric text as a JSON string, exact;
 * - `text`: COPY's escapes undone, then JSON's escapes (JSON.stringify escapes exactly the
 *   characters PostgreSQL's `escape_json` does: controls below 0x20 as `\b \f \n \r \t` or
 *   `\u00xx`, `"` and `\`);
 * - `timestamp`: `YYYY-MM-DD HH:MM:SS[.ffffff][±zone][ BC]` (DateStyle ISO) as
 *   `YYYY-MM-DDTHH:MM:SS.ffffffZ[ BC]`, the wall-clock time as printed; ±infinity as null,
 *   as `to_char` gave;
 * - `boolean`: `t`/`f` as true/false;
 * - `json`: the value is already JSON text, made by PostgreSQL for a live type the other forms
 *   do not reproduce exactly.
 */
export type ValueForm = 'number' | 'decimal' | 'text' | 'timestamp' | 'boolean' | 'json';

export interface FormedColumn {
  readonly name: string;
  readonly form: ValueForm;
}

const QUOTE = 34;
const COLON = 58;
const SPACE = 32;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;
const CODE_0 = 48;
const CODE_9 = 57;
const FRACTION_ZEROS = '000000';

/** COPY text's escapes (PostgreSQL's CopyAttributeOutText), undone; `\x` for any other x is x. */
const UNESCAPED: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function unescapeCopy(value: string): string {
  let at = value.indexOf('\\');
  if (at === -1) return value;
  let out = '';
  let start = 0;
  while (at !== -1) {
    out += value.slice(start, at);
    const next = value.charAt(at + 1);
    out += UNESCAPED[next] ?? next;
    start = at + 2;
    at = value.indexOf('\\', start);
  }
  return out + value.slice(start);
}

/**
 * A timestamp or timestamptz as COPY prints it under DateStyle ISO, in the landed form; null for
 * ±infinity, which `to_char` leaves NULL.
 */
function timestampJson(value: string, column: string): string {
  if (value === 'infinity' || value === '-infinity') return 'null';
  // The year may have more than four digits; the time follows the one space.
  const space = value.indexOf(' ');
  let at = space + 9;
  if (
    space < 10 ||
    value.charCodeAt(space - 6) !== MINUS ||
    value.charCodeAt(space - 3) !== MINUS ||
    value.charCodeAt(space + 3) !== COLON ||
    value.charCodeAt(space + 6) !== COLON
  ) {
    throw malformed(column, value);
  }
  let fraction = FRACTION_ZEROS;
  if (value.charCodeAt(at) === DOT) {
    const start = ++at;
    for (let c = value.charCodeAt(at); c >= CODE_0 && c <= CODE_9; c = value.charCodeAt(++at));
    fraction = value.slice(start, at) + FRACTION_ZEROS.slice(at - start);
    if (fraction.length !== 6) throw malformed(column, value);
  }
  // A timestamptz's UTC offset (±HH, ±HH:MM or ±HH:MM:SS): the landed form is the wall clock.
  const sign = value.charCodeAt(at);
  if (sign === PLUS || sign === MINUS) {
    for (at++; at < value.length && value.charCodeAt(at) !== SPACE; at++);
  }
  const rest = value.slice(at);
  if (rest !== '' && rest !== ' BC') throw malformed(column, value);
  return `"${value.slice(0, space)}T${value.slice(space + 1, space + 9)}.${fraction}Z${rest}"`;
}

function malformed(column: string, value: string): InvariantError {
  return new InvariantError(
    `COPY printed ${JSON.stringify(value)} for timestamp column ${column}, not in DateStyle ISO`,
  );
}

function jsonValue(form: ValueForm, value: string, column: string): string {
  if (value === '\\N') return 'null';
  switch (form) {
    case 'number':
      return value;
    case 'decimal':
      return `"${value}"`;
    case 'text':
      return JSON.stringify(unescapeCopy(value));
    case 'timestamp':
      return timestampJson(value, column);
    case 'boolean':
      return value === 't' ? 'true' : 'false';
    case 'json':
      return unescapeCopy(value);
  }
}

/**
 * Where the encoder tells each row's cursor (streamed-rows.ts `StreamedRows`): the positions of
 * last_updated and the primary key in the column list, and who is told. A row it refuses is not
 * written.
 */
export interface RowWatch {
  readonly stampColumn: number;
  readonly keyColumn: number;
  readonly rows: { accept(stamp: string | null, key: string): boolean };
}

/**
 * Encodes complete COPY text lines (latin1, each ending in a newline) as JSON lines, in the
 * column order given: `{"a":1,"b":"x"}`, as `row_to_json` writes it. With `watch`, each row's
 * landed last_updated (unquoted; null for ±infinity) and key text are told to it first.
 */
export function copyLinesToJson(
  columns: readonly FormedColumn[],
  text: string,
  watch?: RowWatch,
): string {
  const last = columns.length - 1;
  const openers = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
  const forms = columns.map((c) => c.form);
  const names = columns.map((c) => c.name);
  const stampColumn = watch?.stampColumn ?? -1;
  const keyColumn = watch?.keyColumn ?? -1;
  let out = '';
  let at = 0;
  while (at < text.length) {
    const start = at;
    const end = text.indexOf('\n', at);
    if (end === -1) throw new InvariantError('A COPY line was cut short without its newline');
    let line = '';
    let stamp: string | null = null;
    let key = '';
    for (let i = 0; i <= last; i++) {
      const tab = i === last ? end : text.indexOf('\t', at);
      if (tab === -1 || tab > end || (i === last && text.lastIndexOf('\t', end) >= at)) {
        throw new InvariantError(
          `A COPY line held ${text.slice(start, end).split('\t').length} values where the select list has ${columns.length}`,
        );
      }
      const raw = text.slice(at, tab);
      const value = jsonValue(forms[i] as ValueForm, raw, names[i] as string);
      if (i === stampColumn) stamp = value.charCodeAt(0) === QUOTE ? value.slice(1, -1) : null;
      if (i === keyColumn) key = raw;
      line += (openers[i] as string) + value;
      at = tab + 1;
    }
    if (!watch || watch.rows.accept(stamp, key)) out += line + '}\n';
  }
  return out;
}

/**
 * A stream from COPY text bytes to JSON-lines bytes. A row may arrive split over two chunks (even
 * inside a multibyte character); it is encoded once its newline has arrived.
 */
export class CopyTextToJsonLines extends Transform {
  private rest: Buffer | undefined;

  /** `table` names the table in errors; `watch` is told of every row (copyLinesToJson). */
  constructor(
    private readonly table: string,
    private readonly columns: readonly FormedColumn[],
    private readonly watch?: RowWatch,
  ) {
    super();
    if (columns.length === 0) throw new InvariantError('A COPY select list needs a column');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = bytes.lastIndexOf(10) + 1;
    this.rest = end < bytes.length ? bytes.subarray(end) : undefined;
    if (end === 0) {
      done();
      return;
    }
    try {
      const json = copyLinesToJson(this.columns, bytes.toString('latin1', 0, end), this.watch);
      done(null, Buffer.from(json, 'latin1'));
    } catch (error) {
      done(new InvariantError(`Extract of ${this.table}: ${(error as Error).message}`));
    }
  }

  override _flush(done: TransformCallback): void {
    done(
      this.rest
        ? new InvariantError(
            `Extract of ${this.table}: the COPY output ended inside a row, without its newline`,
          )
        : null,
    );
  }
}
