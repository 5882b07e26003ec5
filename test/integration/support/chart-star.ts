/**
 * Rows added to the sample star for the analytics page: the shapes that make a chart lie when it
 * is drawn carelessly, as real totesys has them. Designs that share a name (two Steel, two
 * Wooden), more designs than a top ten with a tie at tenth place, sales in four currencies (one of
 * them a single order), months without sales (GBP has none in April; France none in February),
 * two departments called Sales in different places, two counterparties called Acme Ltd, and
 * every payment type. The sample star's own rows are left as they are.
 */
import type { Client } from 'pg';
import type { WarehouseRow } from '../../../lambdas/shared/core/warehouse-catalogue';
import { insert, insertDates } from './sample-star';

const SOURCE_ROWS_FROM = 100;

/** Design id → name; 1 Wooden, 2 Steel and 3 Bronze are the sample star's. */
const DESIGNS: readonly [number, string][] = [
  [4, 'Steel'],
  [5, 'Canvas'],
  [6, 'Linen'],
  [7, 'Jute'],
  [8, 'Denim'],
  [9, 'Cork'],
  [10, 'Felt'],
  [11, 'Hemp'],
  [12, 'Wooden'],
  [13, 'Raffia'],
];

/**
 * GBP revenue per design, one order each at 1.00 a unit. With the sample star's Wooden (#1) at
 * 430.00 and Steel (#2) at 72.00, the top ten by id is 1, 4, 2, 5, 6, 7, 8, 9, 10, 11: Hemp (#11)
 * and Wooden (#12) tie at 15.00 and the lower id keeps the tenth place. Grouped by name, Steel
 * (400 + 72) would wrongly lead Wooden.
 */
const GBP_DESIGN_UNITS: readonly [number, number][] = [
  [4, 400],
  [5, 60],
  [6, 50],
  [7, 40],
  [8, 30],
  [9, 25],
  [10, 20],
  [11, 15],
  [12, 15],
  [13, 10],
];

const staff = [
  {
    staff_id: 4,
    first_name: 'Dana',
    last_name: 'Example',
    department_name: 'Sales',
    location: 'Leeds',
    email_address: 'dana@terrifictotes.com',
  },
  {
    staff_id: 5,
    first_name: 'Evan',
    last_name: 'Example',
    department_name: 'Production',
    location: 'Leeds',
    email_address: 'evan@terrifictotes.com',
  },
];

const counterparties = [
  {
    counterparty_id: 3,
    counterparty_legal_name: 'Acme Ltd',
    counterparty_legal_address_line_1: '3 Mill Lane',
    counterparty_legal_address_line_2: null,
    counterparty_legal_district: null,
    counterparty_legal_city: 'York',
    counterparty_legal_postal_code: 'C3',
    counterparty_legal_country: 'United Kingdom',
    counterparty_legal_phone_number: '0200 3',
  },
];

const paymentTypes = [
  { payment_type_id: 2, payment_type_name: 'SALES_REFUND' },
  { payment_type_id: 4, payment_type_name: 'PURCHASE_REFUND' },
];

interface Order {
  created: string;
  staff: number;
  units: number;
  price: string;
  currency: number;
  design: number;
  location: number;
}

function orders(): Order[] {
  const gbp = GBP_DESIGN_UNITS.map(([design, units], i) => ({
    // May and June: GBP has no sales in April.
    created: i % 2 === 0 ? '2024-05-10' : '2024-06-12',
    // Sales (Leeds) and Production sell too, so the GBP departments are three bars.
    staff: i < 2 ? 4 : i < 4 ? 5 : 1,
    units,
    price: '1.00',
    currency: 1,
    design,
    location: 1,
  }));
  const other: Order[] = [
    // EUR in January and March, none in February.
    {
      created: '2024-01-12',
      staff: 1,
      units: 10,
      price: '4.00',
      currency: 3,
      design: 5,
      location: 2,
    },
    {
      created: '2024-03-12',
      staff: 2,
      units: 5,
      price: '6.00',
      currency: 3,
      design: 6,
      location: 2,
    },
    // JPY: one order, so every JPY chart would be a single bar.
    {
      created: '2024-02-12',
      staff: 1,
      units: 3,
      price: '900.00',
      currency: 4,
      design: 7,
      location: 1,
    },
  ];
  return [...gbp, ...other];
}

function factSalesOrderRows(): WarehouseRow[] {
  return orders().map((o, i) => ({
    sales_order_id: SOURCE_ROWS_FROM + i,
    created_date: o.created,
    created_time: '09:00:00.000',
    last_updated_date: o.created,
    last_updated_time: '09:00:00.000',
    sales_staff_id: o.staff,
    counterparty_id: 1,
    units_sold: o.units,
    unit_price: o.price,
    currency_id: o.currency,
    design_id: o.design,
    agreed_payment_date: '2024-07-01',
    agreed_delivery_date: '2024-07-02',
    agreed_delivery_location_id: o.location,
  }));
}

function factPurchaseOrderRows(): WarehouseRow[] {
  // USD purchases, so USD has both bars.
  return [
    {
      purchase_order_id: SOURCE_ROWS_FROM,
      created_date: '2024-02-20',
      created_time: '09:00:00.000',
      last_updated_date: '2024-02-20',
      last_updated_time: '09:00:00.000',
      staff_id: 3,
      counterparty_id: 2,
      item_code: 'ITEM100',
      item_quantity: 12,
      item_unit_price: '2.50',
      currency_id: 2,
      agreed_delivery_date: '2024-07-02',
      agreed_payment_date: '2024-07-01',
      agreed_delivery_location_id: 1,
    },
  ];
}

/** [payment id, counterparty, amount, type, currency]: all outstanding. */
const PAYMENTS: readonly [number, number, string, number, number][] = [
  // Acme Ltd (#3) owes GBP, as Acme Ltd (#1) does not: the same name, two counterparties.
  [100, 3, '45.00', 1, 1],
  [101, 3, '12.50', 2, 1],
  [102, 1, '30.00', 4, 1],
  [103, 2, '18.00', 3, 3],
  [104, 1, '9.00', 1, 3],
];

function factPaymentRows(): WarehouseRow[] {
  return PAYMENTS.map(([id, counterparty, amount, type, currency]) => ({
    payment_id: id,
    created_date: '2024-05-10',
    created_time: '09:00:00.000',
    last_updated_date: '2024-05-10',
    last_updated_time: '09:00:00.000',
    transaction_id: 1,
    counterparty_id: counterparty,
    payment_amount: amount,
    currency_id: currency,
    payment_type_id: type,
    paid: false,
    payment_date: '2024-07-01',
  }));
}

/** Adds the chart cases to a warehouse that holds the sample star. */
export async function addChartCases(client: Client): Promise<void> {
  const facts = {
    fact_sales_order: factSalesOrderRows(),
    fact_purchase_order: factPurchaseOrderRows(),
    fact_payment: factPaymentRows(),
  };
  await insertDates(client, Object.values(facts).flat());
  await insert(
    client,
    'dim_design',
    DESIGNS.map(([design_id, design_name]) => ({
      design_id,
      design_name,
      file_location: '/designs',
      file_name: `design-${design_id}.jpg`,
    })),
  );
  await insert(client, 'dim_staff', staff);
  await insert(client, 'dim_counterparty', counterparties);
  await insert(client, 'dim_payment_type', paymentTypes);
  for (const [table, rows] of Object.entries(facts)) await insert(client, table, rows);
}
