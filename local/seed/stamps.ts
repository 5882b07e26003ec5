import { DAY_MS, ORDERS_END_MS, ORDERS_START_MS } from './clock';
import type { Random } from './prng';

/** Share of rows that were edited after they were created. */
export const UPDATED_SHARE = 0.15;

/**
 * Hands out creation times for `count` rows spread evenly over [startMs, endMs), in clusters
 * that share one millisecond (the real totesys writes several rows per millisecond, and the
 * pipeline's watermark must cope with that). Non-decreasing in the row index.
 */
export class ClusteredClock {
  private remaining = 0;
  private current = 0;
  private readonly span: number;

  constructor(
    private readonly rng: Random,
    private readonly count: number,
    private readonly startMs: number,
    endMs: number,
  ) {
    this.span = endMs - startMs;
  }

  /** The creation time of row `index` (0-based); call with index 0, 1, 2, … in order. */
  at(index: number): number {
    if (this.remaining === 0) {
      this.remaining = this.rng.weighted(CLUSTER_SIZES, CLUSTER_WEIGHTS);
      // The cluster starts somewhere in its first row's slot, so later clusters never go back.
      this.current =
        this.startMs + Math.floor((this.span * (index + this.rng.next())) / this.count);
    }
    this.remaining--;
    return this.current;
  }
}

const CLUSTER_SIZES = [1, 2, 3, 4, 6] as const;
const CLUSTER_WEIGHTS = [50, 25, 12, 8, 5] as const;

/**
 * The last_updated of a row created at `createdMs`: itself, or with probability `share` a
 * later edit — never after the end of generated time, so nothing lies in the future.
 */
export function lastUpdated(rng: Random, createdMs: number, share = UPDATED_SHARE): number {
  if (!rng.chance(share)) return createdMs;
  const edited = createdMs + rng.int(10 * 60_000, 20 * DAY_MS);
  return Math.min(edited, Math.max(ORDERS_END_MS, createdMs + 1));
}

/** A last_updated anywhere in the trading period, for reference rows edited later on. */
export function laterEdit(rng: Random, createdMs: number): number {
  if (!rng.chance(UPDATED_SHARE)) return createdMs;
  return Math.max(createdMs + 1, rng.int(ORDERS_START_MS, ORDERS_END_MS - 1));
}
