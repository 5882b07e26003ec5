/** How many rows of each kind a scale asks for. */
export interface SeedPlan {
  readonly scale: number;
  readonly addresses: number;
  readonly counterparties: number;
  readonly designs: number;
  readonly staff: number;
  readonly salesOrders: number;
  readonly purchaseOrders: number;
}

/** Scale 1 ≈ 10,000 sales orders; orders grow linearly, the people and places behind them cap. */
export const SALES_ORDERS_PER_SCALE = 10_000;
export const PURCHASE_ORDERS_PER_SCALE = 5_000;

const grow = (perScale: number, scale: number, cap: number): number =>
  Math.max(1, Math.min(cap, Math.round(perScale * scale)));

/** The row counts for a scale (fractional scales allowed; every reference table gets ≥ 1 row). */
export function planSeed(scale: number): SeedPlan {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`Seed scale must be a positive number, got ${String(scale)}`);
  }
  return {
    scale,
    addresses: grow(30, scale, 1500),
    counterparties: grow(20, scale, 1000),
    designs: grow(50, scale, 2500),
    staff: grow(20, scale, 500),
    salesOrders: grow(SALES_ORDERS_PER_SCALE, scale, Number.MAX_SAFE_INTEGER),
    purchaseOrders: grow(PURCHASE_ORDERS_PER_SCALE, scale, Number.MAX_SAFE_INTEGER),
  };
}
