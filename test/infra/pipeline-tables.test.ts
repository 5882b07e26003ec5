import { SOURCE_TABLES as CATALOGUE_TABLES } from '../../lambdas/shared/core/catalogue';
import { DIMENSIONS, FACTS } from '../../lambdas/shared/core/warehouse-catalogue';
import { SOURCE_TABLES, WAREHOUSE_TABLES } from '../../contract/pipeline-tables';

// lib/ reads the contract's name lists, derived from the catalogues: each still names every table.
it('names the same source tables as the table catalogue', () => {
  expect([...SOURCE_TABLES].sort()).toEqual(Object.keys(CATALOGUE_TABLES).sort());
});

it('names the same warehouse tables as the warehouse catalogue', () => {
  expect([...WAREHOUSE_TABLES].sort()).toEqual(
    [...Object.keys(DIMENSIONS), ...Object.keys(FACTS)].sort(),
  );
});
