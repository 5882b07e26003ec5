/**
 * The extract window arithmetic. A table's window is (watermark − overlap, upper]: `upper` is
 * the source's own clock (held back to the oldest open transaction) read once per run, and the
 * overlap re-reads rows that a late commit stamped before the previous upper bound. Everything
 * downstream deduplicates on (primary key, last_updated), so re-reading is always safe.
 *
 * Bounds are landed timestamps, 'YYYY-MM-DDTHH:MM:SS.ffffffZ': PostgreSQL's microseconds, so a
 * window never rounds a row of a `timestamp(6)` column onto the wrong side.
 */
import type { Cursor } from '../shared/core/manifest';
import { canonicalTimestamp, formatTimestamp, parseTimestamp } from '../shared/core/value-codecs';
import { ConfigurationError, InvariantError, PipelineError } from '../shared/core/pipeline-error';

/**
 * What a table's stored watermark says: read completely `through` an instant, or part-way
 * through a backfill of the window (through − overlap, until], up to `after` in cursor order.
 * A backfill keeps its `until` for every batch, so its rows are a fixed set (docs/guarantees.md).
 */
export type Watermark =
  | { readonly kind: 'complete'; readonly through: string }
  | {
      readonly kind: 'backfill';
      readonly through: string | undefined;
      readonly until: string;
      readonly after: Cursor;
    };

export interface ExtractWindow {
  /** Exclusive lower bound, or undefined for a first, full extract. */
  readonly from: string | undefined;
  /** Inclusive upper bound; becomes the table's watermark once the window is read completely. */
  readonly to: string;
  /** Exclusive start in cursor order: the rows a backfill's earlier batches landed are skipped. */
  readonly after?: Cursor;
  /** Inclusive end in cursor order: the batch was capped there, and the rest waits. */
  readonly upTo?: Cursor;
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
export class WatermarkError extends PipelineError {
  readonly kind = 'fatal';

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
    throw new InvariantError(
      `${what} ${JSON.stringify(value)} is not an ISO-8601 UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ'`,
    );
  }
  return micros;
}

/**
 * The window of `table` for this run.
 *
 * @param where - where the watermark is kept (an SSM parameter, a file), for the operator.
 * @throws WatermarkError when the watermark is not one this release writes, or is later than
 *   `clock.now`.
 */
export function extractWindow(
  table: string,
  watermark: string | undefined,
  clock: SourceClock,
  overlapSeconds: number,
  where = 'the watermark store',
): ExtractWindow {
  if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
    throw new ConfigurationError(
      `The overlap must be a non-negative number of seconds, not ${overlapSeconds}`,
    );
  }
  const to = instant(clock.upper, 'The upper bound');
  if (watermark === undefined) return { from: undefined, to: formatTimestamp(to) };
  const recover = `set ${where} to the last time the table was read completely, or delete it to re-read the table (re-reading is safe); see docs/operations.md, "A watermark is refused"`;
  const mark = readWatermark(watermark);
  if (mark === undefined) {
    throw new WatermarkError(
      table,
      `The watermark of ${table} is not a timestamp (${JSON.stringify(watermark.slice(0, 40))}): ${recover}`,
    );
  }
  const latest = mark.kind === 'complete' ? mark.through : mark.until;
  if (instant(latest, 'The watermark') > instant(clock.now, "The source's clock")) {
    throw new WatermarkError(
      table,
      `The watermark of ${table} (${latest}) is later than the source's clock (${clock.now}), so every window would be empty: ${recover}`,
    );
  }
  const overlap = BigInt(Math.round(overlapSeconds * 1_000_000));
  const behind = (through: string) => formatTimestamp(instant(through, 'The watermark') - overlap);
  if (mark.kind === 'backfill') {
    // The same window as the backfill's first batch, continued after what it landed.
    const from = mark.through === undefined ? undefined : behind(mark.through);
    return { from, to: mark.until, after: mark.after };
  }
  const from = instant(behind(mark.through), 'The lower bound');
  // An open transaction may hold the upper bound behind the watermark: the window still covers
  // (watermark − overlap, watermark] so nothing already read is lost, and waits for it.
  return { from: formatTimestamp(from), to: formatTimestamp(to > from ? to : from) };
}

/**
 * The watermark to store once a window's batch is written. A batch capped at `window.upTo`
 * leaves a backfill that goes on after it, in the same window; a complete one moves to the
 * window's upper bound, never backwards.
 */
export function nextWatermark(previous: string | undefined, window: ExtractWindow): string {
  const mark = previous === undefined ? undefined : readWatermark(previous);
  const through = mark === undefined ? undefined : mark.through;
  if (window.upTo) {
    return JSON.stringify({ through: through ?? null, until: window.to, after: window.upTo });
  }
  const latest = mark?.kind === 'backfill' ? mark.until : through;
  if (latest === undefined) return window.to;
  return instant(window.to, 'The upper bound') >= instant(latest, 'The watermark')
    ? window.to
    : formatTimestamp(instant(latest, 'The watermark'));
}

/**
 * A stored watermark: a landed timestamp (the table is read through it), or the JSON of a
 * backfill in progress, `{"through": …|null, "until": …, "after": {"lastUpdated": …, "key": n}}`.
 * Undefined for anything else.
 */
export function readWatermark(text: string): Watermark | undefined {
  const through = canonicalTimestamp(text);
  if (through !== undefined) return { kind: 'complete', through };
  if (!text.startsWith('{')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { through: start, until, after } = (raw ?? {}) as Record<string, unknown>;
  const { lastUpdated, key } = (after ?? {}) as Record<string, unknown>;
  const stamp = (value: unknown) =>
    typeof value === 'string' ? canonicalTimestamp(value) : undefined;
  const backfill = {
    through: start === null ? undefined : stamp(start),
    until: stamp(until),
    lastUpdated: stamp(lastUpdated),
  };
  if (
    (start !== null && backfill.through === undefined) ||
    backfill.until === undefined ||
    backfill.lastUpdated === undefined ||
    !Number.isSafeInteger(key) ||
    backfill.lastUpdated > backfill.until
  ) {
    return undefined;
  }
  return {
    kind: 'backfill',
    through: backfill.through,
    until: backfill.until,
    after: { lastUpdated: backfill.lastUpdated, key: key as number },
  };
}

/** A validated bound as the text PostgreSQL reads as a `timestamp`: it cannot carry SQL. */
export function timestampLiteral(value: string): string {
  return `'${formatTimestamp(instant(value, 'A window bound')).slice(0, 26).replace('T', ' ')}'::timestamp`;
}
