/**
 * Rows stamped later than the source's clock (a client with a wrong clock, a typo'd year,
 * 9999-12-31). The window's upper bound is the source's clock, so such a row is not read until
 * its time comes, and nothing else would say so: each run counts them per table and names a few.
 */
import type { ClientBase } from 'pg';
import { DEFAULT_FUTURE_TOLERANCE_SECONDS } from '../../contract/batch-bounds';
import type { SourceTable } from '../shared/core/catalogue';
import type { FutureStamped } from '../shared/ports/run-log';
import { formatTimestamp, parseTimestamp } from '../shared/core/value-codecs';
import { futureStampedSelect } from './extract-query';
import { InvariantError } from '../shared/core/pipeline-error';
import type { SourceClock } from './window';

/** How many of a table's future-stamped rows are named; the count covers them all. */
export const FUTURE_KEYS_LISTED = 10;

export type { FutureStamped };

/** The instant past which a stamp is reported: the source's now() plus the tolerance. */
export function futureBound(
  clock: SourceClock,
  toleranceSeconds = DEFAULT_FUTURE_TOLERANCE_SECONDS,
): string {
  const now = parseTimestamp(clock.now);
  if (now === undefined)
    throw new InvariantError(`The source's clock ${clock.now} is not a timestamp`);
  return formatTimestamp(now + BigInt(Math.round(toleranceSeconds * 1_000_000)));
}

/**
 * Each table's rows stamped after `bound`, one indexed range query per table (a `last_updated`
 * index makes it a look-up of the few rows past now); tables with none are left out.
 *
 * @example
 * const future = await findFutureStamped(client, tables, futureBound(clock));
 */
export async function findFutureStamped(
  client: ClientBase,
  tables: readonly SourceTable[],
  bound: string,
  listed = FUTURE_KEYS_LISTED,
): Promise<FutureStamped[]> {
  const found: FutureStamped[] = [];
  for (const table of tables) {
    const result = await client.query<{ key: number; lastUpdated: string; rows: number }>(
      futureStampedSelect(table, bound, listed),
    );
    const first = result.rows[0];
    if (!first) continue;
    found.push({
      table: table.name,
      rows: first.rows,
      keys: result.rows.map(({ key, lastUpdated }) => ({ key, lastUpdated })),
    });
  }
  return found;
}
