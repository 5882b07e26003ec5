/** The share of an invocation's time the catch-up never spends: the event's own batch needs it. */
export const RESERVED_SHARE = 0.25;

export interface CatchUpClock {
  /** Milliseconds left in the invocation now. */
  readonly remainingMs: number;
  /** Milliseconds left when the catch-up began. */
  readonly startedWithMs: number;
  /** The longest an earlier batch of this catch-up took; 0 before the first. */
  readonly longestBatchMs: number;
}

/**
 * Whether the catch-up may start another batch: what is left must cover a quarter of the
 * invocation, and twice the longest batch so far (the next one, and the event's own batch after
 * it). What it does not start, the next invocation does.
 *
 * @example
 * timeForAnotherBatch({ remainingMs: 60_000, startedWithMs: 300_000, longestBatchMs: 20_000 }); // false
 */
export function timeForAnotherBatch(clock: CatchUpClock): boolean {
  const margin = Math.max(clock.startedWithMs * RESERVED_SHARE, 2 * clock.longestBatchMs);
  return clock.remainingMs >= margin;
}
