/**
 * The extract window arithmetic. A table's window is (watermark − overlap, upper]: `upper` is
 * the source's own clock (held back to the oldest open transaction) read once per run, and the
 * overlap re-reads rows that a late commit stamped before the previous upper bound. Everything
 * downstream deduplicates on (primary key, last_updated), so re-reading is always safe.
 */

export interface ExtractWindow {
  /** Exclusive lower bound, or undefined for a first, full extract. */
  readonly from: string | undefined;
  /** Inclusive upper bound; becomes the table's watermark once the batch is written. */
  readonly to: string;
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Parses an ISO-8601 UTC timestamp with milliseconds, refusing anything else. */
export function parseTimestamp(value: string, what: string): number {
  if (!ISO_MILLIS.test(value)) {
    throw new Error(
      `${what} ${JSON.stringify(value)} is not an ISO-8601 UTC timestamp with milliseconds`,
    );
  }
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) throw new Error(`${what} ${JSON.stringify(value)} is not a valid date`);
  return millis;
}

export function formatTimestamp(millis: number): string {
  return new Date(millis).toISOString();
}

export function extractWindow(
  watermark: string | undefined,
  upper: string,
  overlapSeconds: number,
): ExtractWindow {
  if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
    throw new Error(`The overlap must be a non-negative number of seconds, not ${overlapSeconds}`);
  }
  const to = parseTimestamp(upper, 'The upper bound');
  if (watermark === undefined) return { from: undefined, to: formatTimestamp(to) };
  const from = parseTimestamp(watermark, 'The watermark') - overlapSeconds * 1000;
  // A source clock that went backwards must not move a watermark backwards past the overlap:
  // the window still covers (watermark − overlap, watermark] so nothing already read is lost.
  return { from: formatTimestamp(from), to: formatTimestamp(Math.max(to, from)) };
}

/** The watermark to store after a window is written: it never moves backwards. */
export function nextWatermark(previous: string | undefined, window: ExtractWindow): string {
  if (previous === undefined) return window.to;
  return parseTimestamp(window.to, 'The upper bound') > parseTimestamp(previous, 'The watermark')
    ? window.to
    : previous;
}
