/**
 * How old the warehouse may get before it counts as stale: the `warehouse-stale` alarm's
 * threshold unless `deliverance:freshnessThresholdSeconds` sets another (lib/config.ts,
 * lib/monitoring.ts), and the line `deliverance status --html` colours freshness against. The
 * alarm fires when the age is above it, so an age equal to it is still fresh.
 */
export const FRESHNESS_THRESHOLD_SECONDS = 30 * 60;

/** The freshness alarm's name after the stack's prefix: `deliverance-prod-warehouse-stale`. */
export const FRESHNESS_ALARM = 'warehouse-stale';

/** Whether the warehouse (or a table of it) is stale at this age; unknown before any load. */
export function freshnessState(
  ageSeconds: number | null,
  thresholdSeconds: number = FRESHNESS_THRESHOLD_SECONDS,
): 'fresh' | 'stale' | 'unknown' {
  if (ageSeconds === null) return 'unknown';
  return ageSeconds > thresholdSeconds ? 'stale' : 'fresh';
}
