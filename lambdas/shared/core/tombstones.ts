/**
 * Tombstone lines (contract/source-deletes.ts): decoded and checked like landing lines, by the
 * transform reading landing's deletes objects and by the load reading the transform's.
 */
import type { TombstoneLine } from '../../../contract/source-deletes';
import { LandingLineError, type LineLocation } from './json-lines';
import { canonicalTimestamp } from './value-codecs';

export type { TombstoneLine };

/**
 * Decodes one tombstone line: a JSON object with a positive safe-integer `key` and a UTC
 * `deletedAt` with microseconds (milliseconds are read as the same instant).
 *
 * @throws {LandingLineError} naming the object, line, field and table.
 */
export function decodeTombstoneLine(text: string, table: string, at: LineLocation): TombstoneLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LandingLineError(at, table, undefined, `not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LandingLineError(at, table, undefined, 'not a JSON object');
  }
  const { key, deletedAt } = parsed as Record<string, unknown>;
  if (!Number.isSafeInteger(key) || (key as number) <= 0) {
    throw new LandingLineError(
      at,
      table,
      'key',
      `expected a positive integer, found ${shown(key)}`,
    );
  }
  const instant = typeof deletedAt === 'string' ? canonicalTimestamp(deletedAt) : undefined;
  if (instant === undefined) {
    throw new LandingLineError(
      at,
      table,
      'deletedAt',
      `expected a UTC timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ), found ${shown(deletedAt)}`,
    );
  }
  return { key: key as number, deletedAt: instant };
}

/** The line of a tombstone, as landing and the processed bucket both hold it. */
export function encodeTombstoneLine(line: TombstoneLine): string {
  return `${JSON.stringify({ key: line.key, deletedAt: line.deletedAt })}\n`;
}

/** The lines of an object's text, numbered from 1, blank lines (the last break) skipped. */
export function tombstoneLinesOf(text: string): { text: string; line: number }[] {
  return text
    .split('\n')
    .map((line, index) => ({ text: line.replace(/\r$/, ''), line: index + 1 }))
    .filter((l) => l.text.length > 0);
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 40);
}
