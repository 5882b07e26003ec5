/** The totesys data generator behind `deliverance seed`, and the demo's OLTP change set. */
export { seedTotesys, type SeedOptions, type SeedSummary } from './seed-totesys';
export { applyDemoChanges, type DemoChangeOptions, type DemoChanges } from './demo-changes';
export { generateTotesys, type GeneratedTotesys } from './rows';
export { planSeed, type SeedPlan } from './plan';
export type { SeedRow, SeedValue } from './row';
