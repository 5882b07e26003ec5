/**
 * The Lambda code's door to the warehouse catalogue, which lives in `contract/` so that the
 * infrastructure reads the same tables (see contract/warehouse-catalogue.ts).
 */
export * from '../../../contract/warehouse-catalogue';
