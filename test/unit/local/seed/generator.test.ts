import { SOURCE_TABLES, SOURCE_TABLE_NAMES } from '../../../../lambdas/shared/core/catalogue';
import { ORDERS_END_MS, REFERENCE_CREATED_MS } from '../../../../local/seed/clock';
import { planSeed } from '../../../../local/seed/plan';
import type { SeedRow } from '../../../../local/seed/row';
import { generateTotesys } from '../../../../local/seed/rows';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const small = generateTotesys(0.2);
const all = (table: (typeof SOURCE_TABLE_NAMES)[number]): SeedRow[] => [...small.rows(table)];
const tables = Object.fromEntries(SOURCE_TABLE_NAMES.map((t) => [t, all(t)])) as Record<
  (typeof SOURCE_TABLE_NAMES)[number],
  SeedRow[]
>;

function idsOf(table: (typeof SOURCE_TABLE_NAMES)[number]): Set<number> {
  return new Set(tables[table].map((r) => r[SOURCE_TABLES[table].primaryKey] as number));
}

describe('planSeed', () => {
  it('grows orders linearly and keeps at least one of every reference row', () => {
    expect(planSeed(1)).toMatchObject({ salesOrders: 10_000, purchaseOrders: 5_000, staff: 20 });
    expect(planSeed(10).salesOrders).toBe(100_000);
    expect(planSeed(0.01)).toMatchObject({
      salesOrders: 100,
      staff: 1,
      counterparties: 1,
      addresses: 1,
      designs: 1,
    });
  });

  it('rejects a scale that is not a positive number', () => {
    expect(() => planSeed(0)).toThrow(/positive/);
    expect(() => planSeed(Number.NaN)).toThrow(/positive/);
  });
});

describe('generateTotesys', () => {
  it('gives the same rows on every run (nothing depends on the clock or Math.random)', () => {
    const again = generateTotesys(0.2);
    for (const table of SOURCE_TABLE_NAMES) {
      const first = [...again.rows(table)].slice(0, 50);
      expect(first).toEqual(tables[table].slice(0, 50));
    }
    // A second pass over the same generator is as good as a fresh one.
    expect([...small.rows('payment')].slice(-5)).toEqual(tables.payment.slice(-5));
  });

  it('pins the first sales order, so an accidental change to the stream shows', () => {
    // If this fails on purpose (a new column, a new draw), update it: every seeded byte moved.
    expect(tables.sales_order[0]).toEqual({
      sales_order_id: 1,
      design_id: 1,
      staff_id: 1,
      counterparty_id: 4,
      units_sold: 4027,
      unit_price: '2.46',
      currency_id: 1,
      agreed_delivery_date: '2022-11-14',
      agreed_payment_date: '2022-11-04',
      agreed_delivery_location_id: 5,
      created_at: '2022-11-01 09:14:28.899',
      last_updated: '2022-11-01 09:14:28.899',
    });
  });

  // A nullable column may be left out: the COPY writes it NULL (copy-text.ts).
  it('fills every NOT NULL catalogue column and nothing outside the catalogue', () => {
    for (const table of SOURCE_TABLE_NAMES) {
      const columns = SOURCE_TABLES[table].columns.map((c) => c.name);
      const notNull = SOURCE_TABLES[table].columns.filter((c) => !c.nullable).map((c) => c.name);
      for (const row of tables[table].slice(0, 20)) {
        expect(columns).toEqual(expect.arrayContaining(Object.keys(row)));
        expect(Object.keys(row)).toEqual(expect.arrayContaining(notNull));
      }
      const nulls = tables[table].filter((row) => notNull.some((c) => row[c] === null));
      expect(nulls).toEqual([]);
    }
  });

  it('numbers each table 1..n and has the planned row counts', () => {
    const plan = small.plan;
    expect(tables.sales_order).toHaveLength(plan.salesOrders);
    expect(tables.purchase_order).toHaveLength(plan.purchaseOrders);
    expect(tables.transaction).toHaveLength(plan.salesOrders + plan.purchaseOrders);
    expect(tables.department).toHaveLength(8);
    expect(tables.payment_type).toHaveLength(4);
    for (const table of SOURCE_TABLE_NAMES) {
      const ids = tables[table].map((r) => r[SOURCE_TABLES[table].primaryKey]);
      expect(ids).toEqual(ids.map((_, i) => i + 1));
    }
    const share = tables.payment.length / tables.transaction.length;
    expect(share).toBeGreaterThan(0.85);
    expect(share).toBeLessThan(0.95);
  });

  it('only refers to ids that exist', () => {
    const refs: [
      (typeof SOURCE_TABLE_NAMES)[number],
      string,
      (typeof SOURCE_TABLE_NAMES)[number],
    ][] = [
      ['counterparty', 'legal_address_id', 'address'],
      ['staff', 'department_id', 'department'],
      ['sales_order', 'design_id', 'design'],
      ['sales_order', 'staff_id', 'staff'],
      ['sales_order', 'counterparty_id', 'counterparty'],
      ['sales_order', 'currency_id', 'currency'],
      ['sales_order', 'agreed_delivery_location_id', 'address'],
      ['purchase_order', 'staff_id', 'staff'],
      ['purchase_order', 'counterparty_id', 'counterparty'],
      ['purchase_order', 'currency_id', 'currency'],
      ['purchase_order', 'agreed_delivery_location_id', 'address'],
      ['payment', 'transaction_id', 'transaction'],
      ['payment', 'counterparty_id', 'counterparty'],
      ['payment', 'currency_id', 'currency'],
      ['payment', 'payment_type_id', 'payment_type'],
    ];
    for (const [table, column, parent] of refs) {
      const parents = idsOf(parent);
      const dangling = tables[table].filter((row) => !parents.has(row[column] as number));
      expect({ table, column, dangling }).toEqual({ table, column, dangling: [] });
    }
  });

  it('gives every order exactly one transaction of its type and at most one payment each', () => {
    const sales = tables.transaction.filter((t) => t.transaction_type === 'SALE');
    const purchases = tables.transaction.filter((t) => t.transaction_type === 'PURCHASE');
    expect(sales.map((t) => t.sales_order_id).sort((a, b) => Number(a) - Number(b))).toEqual([
      ...idsOf('sales_order'),
    ]);
    expect(sales.every((t) => t.purchase_order_id === null)).toBe(true);
    expect(purchases.map((t) => t.purchase_order_id).sort((a, b) => Number(a) - Number(b))).toEqual(
      [...idsOf('purchase_order')],
    );
    expect(purchases.every((t) => t.sales_order_id === null)).toBe(true);
    const paidFor = tables.payment.map((p) => p.transaction_id);
    expect(new Set(paidFor).size).toBe(paidFor.length);
  });

  it('matches each payment to its transaction: type, amount, counterparty, currency', () => {
    const transactions = new Map(tables.transaction.map((t) => [t.transaction_id, t]));
    const sales = new Map(tables.sales_order.map((o) => [o.sales_order_id, o]));
    const purchases = new Map(tables.purchase_order.map((o) => [o.purchase_order_id, o]));
    const typeNames = new Map(tables.payment_type.map((p) => [p.payment_type_id, p]));
    const mismatches = tables.payment.filter((payment) => {
      const transaction = transactions.get(payment.transaction_id);
      const typeName = String(typeNames.get(payment.payment_type_id)?.payment_type_name);
      const sale = transaction?.transaction_type === 'SALE';
      const order = sale
        ? sales.get(transaction.sales_order_id)
        : purchases.get(transaction?.purchase_order_id);
      const cents = sale
        ? Math.round(Number(order?.unit_price) * 100) * Number(order?.units_sold)
        : Math.round(Number(order?.item_unit_price) * 100) * Number(order?.item_quantity);
      const types = sale
        ? ['SALES_RECEIPT', 'SALES_REFUND']
        : ['PURCHASE_PAYMENT', 'PURCHASE_REFUND'];
      return (
        !order ||
        !types.includes(typeName) ||
        payment.payment_amount !== (cents / 100).toFixed(2) ||
        payment.counterparty_id !== order.counterparty_id ||
        payment.currency_id !== order.currency_id ||
        payment.payment_date !== order.agreed_payment_date
      );
    });
    expect(mismatches).toEqual([]);
    expect(tables.payment.some((p) => p.payment_type_id === 2)).toBe(true);
    expect(tables.payment.some((p) => p.payment_type_id === 4)).toBe(true);
  });

  it('stamps times in the past at ms precision, clustered, ~15% edited after creation', () => {
    const end = new Date(ORDERS_END_MS).toISOString().replace('T', ' ').slice(0, 23);
    const start = new Date(REFERENCE_CREATED_MS).toISOString().replace('T', ' ').slice(0, 23);
    for (const table of SOURCE_TABLE_NAMES) {
      const bad = tables[table].filter(
        (row) =>
          !TIMESTAMP.test(String(row.created_at)) ||
          !TIMESTAMP.test(String(row.last_updated)) ||
          String(row.last_updated) < String(row.created_at) ||
          String(row.created_at) < start ||
          String(row.last_updated) > end,
      );
      expect({ table, bad }).toEqual({ table, bad: [] });
    }
    for (const table of ['sales_order', 'purchase_order', 'payment'] as const) {
      const rows = tables[table];
      const edited = rows.filter((r) => r.last_updated !== r.created_at).length / rows.length;
      expect(edited).toBeGreaterThan(0.08);
      expect(edited).toBeLessThan(0.22);
      const distinct = new Set(rows.map((r) => r.created_at)).size;
      expect(distinct).toBeLessThan(rows.length * 0.8);
    }
    const created = tables.sales_order.map((r) => String(r.created_at));
    expect(created).toEqual([...created].sort());
    expect(created[0]?.slice(0, 4)).toBe('2022');
    expect(created[created.length - 1]?.slice(0, 4)).toBe('2025');
  });

  it('agrees delivery and payment a few days after the order, as YYYY-MM-DD text', () => {
    const bad = [...tables.sales_order, ...tables.purchase_order].filter((order) => {
      const day = String(order.created_at).slice(0, 10);
      return ['agreed_delivery_date', 'agreed_payment_date'].some(
        (c) => !DATE.test(String(order[c])) || String(order[c]) <= day,
      );
    });
    expect(bad).toEqual([]);
  });

  it('marks most old payments paid and only flips paid ones later', () => {
    const old = tables.payment.filter((p) => String(p.created_at) < '2025-06-01');
    expect(old.filter((p) => p.paid).length / old.length).toBeGreaterThan(0.9);
    expect(tables.payment.some((p) => !p.paid)).toBe(true);
    const flippedUnpaid = tables.payment.filter((p) => p.last_updated !== p.created_at && !p.paid);
    expect(flippedUnpaid).toEqual([]);
  });
});

describe('reference data at scale 1', () => {
  const data = generateTotesys(1).reference;

  it('has the expected sizes', () => {
    expect(data.staff).toHaveLength(20);
    expect(data.counterparty).toHaveLength(20);
    expect(data.address).toHaveLength(30);
    expect(data.design).toHaveLength(50);
    expect(data.department.map((d) => d.department_name)).toEqual([
      'Sales',
      'Purchasing',
      'Production',
      'Dispatch',
      'Finance',
      'Facilities',
      'Communications',
      'HR',
    ]);
    expect(data.currency.map((c) => c.currency_code)).toEqual(
      expect.arrayContaining(['GBP', 'USD', 'EUR', 'CHF', 'JPY']),
    );
    expect(data.payment_type.map((p) => p.payment_type_name)).toEqual([
      'SALES_RECEIPT',
      'SALES_REFUND',
      'PURCHASE_PAYMENT',
      'PURCHASE_REFUND',
    ]);
  });

  it('spreads addresses over at least 15 countries with some optional parts missing', () => {
    expect(new Set(data.address.map((a) => a.country)).size).toBeGreaterThanOrEqual(15);
    for (const column of ['address_line_2', 'district']) {
      const nulls = data.address.filter((a) => a[column] === null).length / data.address.length;
      expect(nulls).toBeGreaterThanOrEqual(0.2);
      expect(nulls).toBeLessThanOrEqual(0.6);
    }
  });

  it('names designs like the real totesys and keeps names and e-mails unique', () => {
    for (const d of data.design) {
      expect(d.file_location).toMatch(/^\/usr\/files(\/[a-z]+)*$/);
      expect(d.file_name).toMatch(/^[a-z]+-\d{8}-[a-z0-9]{4}\.json$/);
    }
    const names = data.counterparty.map((c) => c.counterparty_legal_name);
    expect(new Set(names).size).toBe(names.length);
    const emails = data.staff.map((s) => s.email_address);
    expect(new Set(emails).size).toBe(emails.length);
    for (const e of emails) expect(e).toMatch(/^[a-z.']+\d*@terrifictotes\.com$/);
  });
});
