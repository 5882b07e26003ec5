import type { WarehouseRow, WarehouseTable } from '../shared/core/warehouse-catalogue';
import type { BatchOutputs } from './outputs';
import { DERIVED } from './tables/specs';
import type { DerivedSpec } from './tables/spec';

/**
 * The keys a batch's rows point at in each derived table (the dates its facts refer to), so
 * every derived row they need is written with them, at the end of the batch.
 */
export class DerivedKeys {
  private readonly keys = new Map<DerivedSpec, Set<string>>(
    DERIVED.map((spec) => [spec, new Set<string>()]),
  );

  /** Takes the keys of every derived table that `table`'s foreign keys point at. */
  collect(table: WarehouseTable, rows: readonly WarehouseRow[]): void {
    for (const [spec, keys] of this.keys) {
      if (!Object.values(table.references).includes(spec.table.name)) continue;
      for (const row of rows) for (const key of spec.keysOf(row, table.name)) keys.add(key);
    }
  }

  async addTo(outputs: BatchOutputs): Promise<void> {
    for (const [spec, keys] of this.keys) {
      if (keys.size > 0) await outputs.for(spec.table).add(spec.shape(keys));
    }
  }
}
