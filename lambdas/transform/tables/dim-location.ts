import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { readText, readTextOrNull } from './values';
import { streamed } from './spec';

const TABLE = 'address';

/**
 * dim_location rows from address rows (location_id = address_id), newest version per address.
 * address_line_2 and district stay null when the source has none.
 *
 * @throws {TransformError} for a missing, null (where NOT NULL) or mistyped column.
 * @example
 * toDimLocation([{ address_id: 3, address_line_1: '6826 Herzog Via', address_line_2: null, ... }]);
 * // → [{ location_id: 3, address_line_1: '6826 Herzog Via', address_line_2: null, ...,
 * //      source_updated_at: '2024-03-01T09:15:02.123Z' }]
 */
export function toDimLocation(
  addresses: readonly SourceRowOf<'address'>[],
): RowOf<'dim_location'>[] {
  return latestByKey(addresses, TABLE, 'address_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_location'> => {
      return {
        location_id: key,
        address_line_1: readText(row.address_line_1, 'address_line_1', TABLE, key),
        address_line_2: readTextOrNull(row.address_line_2, 'address_line_2', TABLE, key),
        district: readTextOrNull(row.district, 'district', TABLE, key),
        city: readText(row.city, 'city', TABLE, key),
        postal_code: readText(row.postal_code, 'postal_code', TABLE, key),
        country: readText(row.country, 'country', TABLE, key),
        phone: readText(row.phone, 'phone', TABLE, key),
        source_updated_at: lastUpdated,
      };
    },
  );
}

export const dimLocation = streamed({
  table: DIMENSIONS.dim_location,
  from: 'address',
  shape: toDimLocation,
});
