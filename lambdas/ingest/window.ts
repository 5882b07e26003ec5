/**
 * The extract window arithmetic. A table's window is (watermark − overlap, upper]: `upper` is
 * the source's own clock (held back to the oldest open transaction) read once per run, and the
 * overlap re-reads rows that a late commit stamped before the previous upper bound. Everything
 * downstream deduplicates on (primary key, last_updated), so re-reading is always safe.
 *
 * Bounds are landed timestamps, 'YYYY-MM-DDTHH:MM:SS.ffffffZ': PostgreSQL's microseconds, so a
 * window never rounds a row of a `timestamp(6)` column onto the wrong side.
 */
import { formatTimestamp, parseTimestamp } from '../shared/core/value-codecs';

export interface ExtractWindow {
  /** Exclusive lower bound, or undefined for a first, full extract. */
  readonly from: string | undefined;
  /** Inclusive upper bound; becomes the table's watermark once the batch is written. */
  readonly to: string;
}

/** One reading of the source's clock, both in the source's time zone like its timestamps. */
export interface SourceClock {
  /** The run's upper bound: now, held back to the oldest open transaction. */
  readonly upper: string;
  /** The source's own now(). */
  readonly now: string;
}

/**
 * A table's stored watermark cannot be used: not a timestamp, or later than the source's clock
 * (a hand-edited or corrupted parameter, a source whose clock or TimeZone stepped back). Every
 * window would be empty and the table would stall without a word, so the run refuses instead.
 */
export class WatermarkError extends Error {
  constructor(
    readonly table: string,
    message: string,
  ) {
    super(message);
    this.name = 'WatermarkError';
  }
}

/** Microseconds since the epoch of a landed timestamp; throws naming `what` otherwise. */
function instant(value: string, what: string): bigint {
  const micros = parseTimestamp(value);
  if (micros === undefined) {
    throw new Error(
      `${what} ${JSON.stringify(value)} is not an ISO-8601 UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ'`,
    );
  }
  return micros;
}

/**
 * The window of `table` for this run.
 *
 * @param where - where the watermark is kept (an SSM parameter, a file), for the operator.
 * @throws WatermarkError when the watermark is not a timestamp or is later than `clock.now`.
 */
export function extractWindow(
  table: string,
  watermark: string | undefined,
  clock: SourceClock,
  overlapSeconds: number,
  where = 'the watermark store',
): ExtractWindow {
  if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
    throw new Error(`The overlap must be a non-negative number of seconds, not ${overlapSeconds}`);
  }
  const to = instant(clock.upper, 'The upper bound');
  if (watermark === undefined) return { from: undefined, to: formatTimestamp(to) };
  const recover = `set ${where} to the last time the table was read completely, or delete it to re-read the table (re-reading is safe); see docs/operations.md, "A watermark is refused"`;
  const stored = parseTimestamp(watermark);
  if (stored === undefined) {
    throw new WatermarkError(
      table,
      `The watermark of ${table} is not a timestamp (${JSON.stringify(watermark.slice(0, 40))}): ${recover}`,
    );
  }
  if (stored > instant(clock.now, "The source's clock")) {
    throw new WatermarkError(
      table,
      `The watermark of ${table} (${formatTimestamp(stored)}) is later than the source's clock (${clock.now}), so every window would be empty: ${recover}`,
    );
  }
  const overlap = BigInt(Math.round(overlapSeconds * 1_000_000));
  const from = stored - overlap;
  // An open transaction may hold the upper bound behind the watermark: the window still covers
  // (watermark − overlap, watermark] so nothing already read is lost, and waits for it.
  return { from: formatTimestamp(from), to: formatTimestamp(to > from ? to : from) };
}

/** The watermark to store after a window is written: it never moves backwards. */
export function nextWatermark(previous: string | undefined, window: ExtractWindow): string {
  if (previous === undefined) return window.to;
  return instant(window.to, 'The upper bound') > instant(previous, 'The watermark')
    ? window.to
    : formatTimestamp(instant(previous, 'The watermark'));
}

/** A validated bound as the text PostgreSQL reads as a `timestamp`: it cannot carry SQL. */
export function timestampLiteral(value: string): string {
  return `'${formatTimestamp(instant(value, 'A window bound')).slice(0, 26).replace('T', ' ')}'::timestamp`;
}
