import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { TransformError } from './errors';
import { joined } from './spec';
import { newest, readInt, readText, readTextOrNull, readTimestamp } from './values';

/**
 * dim_counterparty rows: the newest version of each counterparty joined to its legal address,
 * looked up by legal_address_id in `addresses` (the current address snapshot). The address
 * columns become counterparty_legal_*, and phone becomes counterparty_legal_phone_number.
 * source_updated_at is the later of the two rows' last_updated.
 *
 * @throws {TransformError} (table 'counterparty', column 'legal_address_id') when the address
 *   is not in `addresses`, or for a missing, null or mistyped column of either row.
 * @example
 * toDimCounterparty([{ counterparty_id: 4, counterparty_legal_name: 'Fahey and Sons',
 *   legal_address_id: 15, ... }], addressesById);
 * // → [{ counterparty_id: 4, counterparty_legal_name: 'Fahey and Sons',
 * //      counterparty_legal_address_line_1: '605 Haskell Trafficway', ... }]
 */
export function toDimCounterparty(
  counterparties: readonly SourceRowOf<'counterparty'>[],
  addresses: ReadonlyMap<number, SourceRowOf<'address'>>,
): RowOf<'dim_counterparty'>[] {
  return latestByKey(counterparties, 'counterparty', 'counterparty_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_counterparty'> => {
      const addressId = readInt(row.legal_address_id, 'legal_address_id', 'counterparty', key);
      const address = addresses.get(addressId);
      if (address === undefined) {
        throw new TransformError(
          'counterparty',
          key,
          'legal_address_id',
          `refers to unknown address ${addressId}`,
        );
      }
      return {
        counterparty_id: key,
        counterparty_legal_name: readText(
          row.counterparty_legal_name,
          'counterparty_legal_name',
          'counterparty',
          key,
        ),
        counterparty_legal_address_line_1: readText(
          address.address_line_1,
          'address_line_1',
          'address',
          addressId,
        ),
        counterparty_legal_address_line_2: readTextOrNull(
          address.address_line_2,
          'address_line_2',
          'address',
          addressId,
        ),
        counterparty_legal_district: readTextOrNull(
          address.district,
          'district',
          'address',
          addressId,
        ),
        counterparty_legal_city: readText(address.city, 'city', 'address', addressId),
        counterparty_legal_postal_code: readText(
          address.postal_code,
          'postal_code',
          'address',
          addressId,
        ),
        counterparty_legal_country: readText(address.country, 'country', 'address', addressId),
        counterparty_legal_phone_number: readText(address.phone, 'phone', 'address', addressId),
        source_updated_at: newest(
          lastUpdated,
          readTimestamp(address.last_updated, 'last_updated', 'address', addressId),
        ),
      };
    },
  );
}

/**
 * An address row needs no check before it joins its snapshot: dim_location reads every address
 * column dim_counterparty reads, the same way, as each address row lands.
 */
export const dimCounterparty = joined({
  table: DIMENSIONS.dim_counterparty,
  from: 'counterparty',
  via: 'legal_address_id',
  shape: toDimCounterparty,
});
