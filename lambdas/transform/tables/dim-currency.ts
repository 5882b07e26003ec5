import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { currencyName } from './iso-4217';
import { readText } from './values';
import { streamed } from './spec';

const TABLE = 'currency';

/**
 * dim_currency rows from currency rows, newest version per currency_id, with currency_name
 * from the ISO 4217 code (GBP → 'British Pound', USD → 'US Dollar', EUR → 'Euro').
 *
 * A code that is not in the ISO 4217 list keeps its row, named 'Unknown currency (XYZ)': the
 * facts refer to the currency_id, so refusing the row would hold back every sale in that
 * currency, and currency_name is NOT NULL. The lookup is exact (codes are upper case in
 * totesys), and currency_code is passed through as landed.
 *
 * @throws {TransformError} for a missing, null or mistyped column.
 * @example
 * toDimCurrency([{ currency_id: 1, currency_code: 'GBP', ... }]);
 * // → [{ currency_id: 1, currency_code: 'GBP', currency_name: 'British Pound', source_updated_at: '…' }]
 */
export function toDimCurrency(
  currencies: readonly SourceRowOf<'currency'>[],
): RowOf<'dim_currency'>[] {
  return latestByKey(currencies, TABLE, 'currency_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_currency'> => {
      const code = readText(row.currency_code, 'currency_code', TABLE, key);
      return {
        currency_id: key,
        currency_code: code,
        currency_name: currencyName(code) ?? unknownCurrencyName(code),
        source_updated_at: lastUpdated,
      };
    },
  );
}

/** The currency_name given to a code missing from the ISO 4217 list. */
export function unknownCurrencyName(code: string): string {
  return `Unknown currency (${code})`;
}

export const dimCurrency = streamed({
  table: DIMENSIONS.dim_currency,
  from: 'currency',
  shape: toDimCurrency,
});
