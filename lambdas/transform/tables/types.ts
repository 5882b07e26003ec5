import type { WarehouseRow } from '../../shared/core/warehouse-catalogue';

/**
 * A dimension row: the table's catalogue columns plus source_updated_at, the newest
 * last_updated ('YYYY-MM-DDTHH:MM:SS.mmmZ') of the source rows it was built from, so the load
 * stage can tell a stale version from a fresh one and report freshness.
 */
export type DimensionRow = WarehouseRow & { readonly source_updated_at: string };
