import { SOURCE_TABLE_NAMES, type SourceTableName } from '../shared/core/catalogue';

export interface PausedPlan {
  /** The requested tables this run reads, in the order asked. */
  readonly read: readonly SourceTableName[];
  /** Requested tables an operator paused. */
  readonly paused: readonly SourceTableName[];
  /** Requested tables after a paused one in foreign-key order, left with it. */
  readonly held: readonly SourceTableName[];
}

/**
 * Which of the requested tables a run reads while an operator has paused some. A table after a
 * paused one in foreign-key order could refer to rows the paused table has not landed (a sales
 * order to a new staff member), which the warehouse's keys would refuse, so it waits too — as
 * the tables after a capped one do. Resuming reads them all from their unmoved watermarks.
 *
 * @example
 * pausedPlan(['sales_order', 'payment'], ['payment']); // { read: ['sales_order'], paused: ['payment'], held: [] }
 */
export function pausedPlan(
  requested: readonly SourceTableName[],
  paused: readonly string[],
): PausedPlan {
  const first = Math.min(
    ...paused.map((t) => SOURCE_TABLE_NAMES.indexOf(t as SourceTableName)).filter((i) => i >= 0),
  );
  const position = (t: SourceTableName) => SOURCE_TABLE_NAMES.indexOf(t);
  return {
    read: requested.filter((t) => position(t) < first),
    paused: requested.filter((t) => paused.includes(t)),
    held: requested.filter((t) => position(t) > first && !paused.includes(t)),
  };
}
