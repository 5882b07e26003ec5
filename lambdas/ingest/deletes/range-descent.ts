import type { KeySide, RangeSummary } from './key-side';

/** How a range is split, and how small a range is before its keys are read. */
export interface DescentShape {
  /** Sub-ranges per range at each level. */
  readonly fanout: number;
  /** A range this wide or narrower has its keys read on both sides. */
  readonly leafWidth: number;
}

export const DEFAULT_DESCENT_SHAPE: DescentShape = { fanout: 32, leafWidth: 256 };

export interface MissingKeys {
  /** Keys the warehouse holds and the source does not, ascending, at most `limit`. */
  readonly keys: readonly number[];
  /** True when the descent stopped at `limit`: more may be missing. */
  readonly capped: boolean;
  /** Keys each side holds in all: what was compared. */
  readonly compared: { readonly source: number; readonly warehouse: number };
  /** Keys each side returned one by one: only those of ranges whose summaries differ. */
  readonly read: { readonly source: number; readonly warehouse: number };
  /**
   * At least this many keys are missing from the source: per top-level range, how many more the
   * warehouse holds than the source. Known before any key is read, so a truncated table is seen
   * at the cost of one query per side.
   */
  readonly atLeast: number;
}

/**
 * Finds keys the warehouse holds that the source no longer has, reading keys only in ranges
 * whose counts or hashes differ: the whole key span is summarised in `fanout` ranges per side,
 * a range that differs is split again, and a range at most `leafWidth` wide has its keys read.
 * A range the warehouse holds nothing of is skipped (the source's new keys are not deletes); one
 * the source holds nothing of has only the warehouse's keys read.
 *
 * `stopBefore` is asked with the lower bound before any key is read: answering true ends the
 * descent there (the guard's way to hold a table without reading it).
 *
 * @example
 * const missing = await findMissingKeys(sqlKeySide(src, ...), sqlKeySide(wh, ...), 1000);
 */
export async function findMissingKeys(
  source: KeySide,
  warehouse: KeySide,
  limit: number,
  shape: DescentShape = DEFAULT_DESCENT_SHAPE,
  stopBefore: (atLeast: number, warehouseKeys: number) => boolean = () => false,
): Promise<MissingKeys> {
  const read = { source: 0, warehouse: 0 };
  const keys: number[] = [];
  let capped = false;
  const [sourceBounds, warehouseBounds] = [await source.bounds(), await warehouse.bounds()];
  if (!warehouseBounds) {
    return { keys, capped: false, compared: { source: 0, warehouse: 0 }, read, atLeast: 0 };
  }
  const lo = Math.min(warehouseBounds.min, sourceBounds?.min ?? warehouseBounds.min);
  const hi = Math.max(warehouseBounds.max, sourceBounds?.max ?? warehouseBounds.max) + 1;
  const width = widthOf(lo, hi, shape);
  const [top, topWarehouse] = [
    await source.summaries(lo, hi, width),
    await warehouse.summaries(lo, hi, width),
  ];
  const compared = { source: total(top), warehouse: total(topWarehouse) };
  let atLeast = 0;
  for (const [bucket, w] of topWarehouse) {
    atLeast += Math.max(0, w.count - (top.get(bucket)?.count ?? 0));
  }
  if (stopBefore(atLeast, compared.warehouse)) {
    return { keys, capped: false, compared, read, atLeast };
  }

  const leaf = async (from: number, to: number, sourceHasNone: boolean) => {
    const held = await warehouse.keys(from, to);
    read.warehouse += held.length;
    const present = new Set(sourceHasNone ? [] : await source.keys(from, to));
    read.source += present.size;
    for (const key of held) {
      if (present.has(key)) continue;
      if (keys.length < limit) keys.push(key);
      else capped = true;
    }
  };
  const differing = async (
    from: number,
    to: number,
    step: number,
    s: Map<number, RangeSummary>,
    w: Map<number, RangeSummary>,
  ) => {
    for (const bucket of [...w.keys()].sort((a, b) => a - b)) {
      const here = w.get(bucket) as RangeSummary;
      const there = s.get(bucket);
      if (there && there.count === here.count && there.hash === here.hash) continue;
      // A range left unread may hold more: the next run goes on from the start.
      if (keys.length >= limit) {
        capped = true;
        return;
      }
      const start = from + bucket * step;
      await descend(start, Math.min(to, start + step), there === undefined);
    }
  };
  const descend = async (from: number, to: number, sourceHasNone: boolean): Promise<void> => {
    if (sourceHasNone || to - from <= shape.leafWidth) return leaf(from, to, sourceHasNone);
    const step = widthOf(from, to, shape);
    const [s, w] = [
      await source.summaries(from, to, step),
      await warehouse.summaries(from, to, step),
    ];
    await differing(from, to, step, s, w);
  };
  await differing(lo, hi, width, top, topWarehouse);
  return { keys, capped, compared, read, atLeast };
}

function widthOf(lo: number, hi: number, shape: DescentShape): number {
  return Math.max(1, Math.ceil((hi - lo) / shape.fanout));
}

function total(summaries: Map<number, RangeSummary>): number {
  let sum = 0;
  for (const s of summaries.values()) sum += s.count;
  return sum;
}
