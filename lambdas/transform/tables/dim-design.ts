import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { readText } from './values';
import { streamed } from './spec';

const TABLE = 'design';

/**
 * dim_design rows from design rows, newest version per design_id.
 *
 * @throws {TransformError} for a missing, null or mistyped column.
 * @example
 * toDimDesign([{ design_id: 8, design_name: 'Wooden', file_location: '/usr', file_name: 'wooden-20220717.json', ... }]);
 * // → [{ design_id: 8, design_name: 'Wooden', file_location: '/usr',
 * //      file_name: 'wooden-20220717.json', source_updated_at: '2024-03-01T09:15:02.123Z' }]
 */
export function toDimDesign(designs: readonly SourceRowOf<'design'>[]): RowOf<'dim_design'>[] {
  return latestByKey(designs, TABLE, 'design_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_design'> => {
      return {
        design_id: key,
        design_name: readText(row.design_name, 'design_name', TABLE, key),
        file_location: readText(row.file_location, 'file_location', TABLE, key),
        file_name: readText(row.file_name, 'file_name', TABLE, key),
        source_updated_at: lastUpdated,
      };
    },
  );
}

export const dimDesign = streamed({
  table: DIMENSIONS.dim_design,
  from: 'design',
  shape: toDimDesign,
});
