import type { SourceTableName } from '../../shared/core/catalogue';
import type { HeldDeletes } from '../../shared/ports/deletes-state-store';

/**
 * Whether losing `gone` of a table's `held` keys is more than the guard lets a run mark deleted
 * without an operator: a truncated or wrongly restored source must not empty the warehouse.
 *
 * @example
 * overGuard(6, 100, 5); // true
 * overGuard(5, 100, 5); // false
 */
export function overGuard(gone: number, held: number, percent: number): boolean {
  return gone > 0 && gone * 100 > held * percent;
}

/** The one line an operator reads when the guard holds a table's deletes, over its `percent`. */
export function guardLine(table: SourceTableName, held: HeldDeletes, percent: number): string {
  const share = (held.share * 100).toFixed(1);
  return `Deletes of ${table} held by the guard: ${held.keys} keys (${share}% of the warehouse's, over its ${percent}% limit) are gone from the source; nothing of them was landed. Check the source (a truncated or restored table?); if the deletes are real, run deliverance deletes --table ${table} --confirm`;
}
