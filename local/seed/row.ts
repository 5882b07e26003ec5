/** A generated row: catalogue column name → value, in the shape COPY's text format takes. */
export type SeedValue = string | number | boolean | null;
export type SeedRow = Readonly<Record<string, SeedValue>>;

/** The fixed seed behind every generated value; change it and every byte of the data changes. */
export const SEED = 0x70e5_ba95;
