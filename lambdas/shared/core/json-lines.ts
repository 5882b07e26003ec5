import type { SourceTable } from './catalogue';
import { PipelineError } from './pipeline-error';

export type JsonScalar = string | number | boolean | null;
export type DecodedRow = Record<string, JsonScalar>;

/** Where a landing line came from: every error about it names all of this. */
export interface LineLocation {
  readonly bucket: string;
  readonly key: string;
  readonly line: number;
  /** The offset in the object of a fault in the bytes themselves, rather than in the JSON. */
  readonly byte?: number;
}

/**
 * The longest landing line read, in bytes. A totesys row is under 2 KB of JSON; the bound
 * keeps one damaged or hostile object (a lost line break, a runaway value) from growing one
 * string without limit in the transform's memory, while leaving text columns 4,000 times
 * the size of today's.
 */
export const MAX_LANDING_LINE_BYTES = 8 * 1024 * 1024;

export class LandingLineError extends PipelineError {
  readonly kind = 'bad-data';

  constructor(
    readonly location: LineLocation,
    readonly table: string,
    readonly column: string | undefined,
    problem: string,
  ) {
    super(
      `s3://${location.bucket}/${location.key} line ${location.line}` +
        `${location.byte === undefined ? '' : ` at byte ${location.byte}`}` +
        `${column ? ` column ${column}` : ''} (table ${table}): ${problem}`,
    );
    this.name = 'LandingLineError';
  }
}

/** One row as one line: JSON has no raw newline inside a value, so a line is a row. */
export function encodeJsonLine(row: Readonly<Record<string, JsonScalar>>): string {
  return JSON.stringify(row) + '\n';
}

/**
 * Decodes a landing line and checks it against the catalogue: every known column present with
 * a value of its type (numerics and timestamps as text, never floats). Unknown columns are
 * schema drift and pass through untouched for the transforms to ignore.
 */
export function decodeJsonLine(text: string, table: SourceTable, at: LineLocation): DecodedRow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LandingLineError(at, table.name, undefined, `not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LandingLineError(at, table.name, undefined, 'not a JSON object');
  }
  const row = parsed as Record<string, unknown>;
  for (const column of table.columns) {
    const value = row[column.name];
    if (value === undefined) {
      throw new LandingLineError(at, table.name, column.name, 'missing');
    }
    if (value === null) {
      if (!column.nullable) throw new LandingLineError(at, table.name, column.name, 'is null');
      continue;
    }
    const ok =
      column.type === 'integer'
        ? Number.isSafeInteger(value)
        : column.type === 'boolean'
          ? typeof value === 'boolean'
          : typeof value === 'string';
    if (!ok) {
      throw new LandingLineError(
        at,
        table.name,
        column.name,
        `expected ${column.type}, found ${JSON.stringify(value)}`,
      );
    }
  }
  return row as DecodedRow;
}
