import type { SourceTableName } from '../../lambdas/shared/core/catalogue';
import { formatTimestamp } from './clock';
import { centsToText, orderDrafts, transactionDrafts, type OrderDraft } from './orders';
import { planSeed, type SeedPlan } from './plan';
import { generateReferenceData, type ReferenceData } from './reference-data';
import type { SeedRow } from './row';

/** A generated totesys: the plan, and for each table a fresh lazy pass over its rows. */
export interface GeneratedTotesys {
  readonly plan: SeedPlan;
  readonly reference: ReferenceData;
  rows(table: SourceTableName): Iterable<SeedRow>;
}

function salesOrderRow(o: OrderDraft): SeedRow {
  return {
    sales_order_id: o.orderId,
    design_id: o.designId,
    staff_id: o.staffId,
    counterparty_id: o.counterpartyId,
    units_sold: o.quantity,
    unit_price: centsToText(o.unitPriceCents),
    currency_id: o.currencyId,
    agreed_delivery_date: o.agreedDeliveryDate,
    agreed_payment_date: o.agreedPaymentDate,
    agreed_delivery_location_id: o.deliveryLocationId,
    created_at: formatTimestamp(o.createdMs),
    last_updated: formatTimestamp(o.lastUpdatedMs),
  };
}

function purchaseOrderRow(o: OrderDraft): SeedRow {
  return {
    purchase_order_id: o.orderId,
    staff_id: o.staffId,
    counterparty_id: o.counterpartyId,
    item_code: o.itemCode,
    item_quantity: o.quantity,
    item_unit_price: centsToText(o.unitPriceCents),
    currency_id: o.currencyId,
    agreed_delivery_date: o.agreedDeliveryDate,
    agreed_payment_date: o.agreedPaymentDate,
    agreed_delivery_location_id: o.deliveryLocationId,
    created_at: formatTimestamp(o.createdMs),
    last_updated: formatTimestamp(o.lastUpdatedMs),
  };
}

function* map<T>(source: Iterable<T>, f: (item: T) => SeedRow | null): Generator<SeedRow> {
  for (const item of source) {
    const row = f(item);
    if (row) yield row;
  }
}

/**
 * The deterministic totesys for a scale. Reference tables are built once and held; the order,
 * transaction and payment tables are regenerated on every pass, so a pass costs CPU, not memory.
 */
export function generateTotesys(scale: number): GeneratedTotesys {
  const plan = planSeed(scale);
  const reference = generateReferenceData(plan);
  return {
    plan,
    reference,
    rows(table: SourceTableName): Iterable<SeedRow> {
      switch (table) {
        case 'address':
        case 'counterparty':
        case 'currency':
        case 'department':
        case 'design':
        case 'payment_type':
        case 'staff':
          return reference[table];
        case 'sales_order':
          return map(orderDrafts(plan, reference, 'SALE'), salesOrderRow);
        case 'purchase_order':
          return map(orderDrafts(plan, reference, 'PURCHASE'), purchaseOrderRow);
        case 'transaction':
          return map(transactionDrafts(plan, reference), ({ transactionId, order }) => ({
            transaction_id: transactionId,
            transaction_type: order.type,
            sales_order_id: order.type === 'SALE' ? order.orderId : null,
            purchase_order_id: order.type === 'PURCHASE' ? order.orderId : null,
            created_at: formatTimestamp(order.createdMs),
            last_updated: formatTimestamp(order.transactionLastUpdatedMs),
          }));
        case 'payment':
          return map(transactionDrafts(plan, reference), ({ transactionId, paymentId, order }) => {
            const p = order.payment;
            if (!p || paymentId === null) return null;
            return {
              payment_id: paymentId,
              transaction_id: transactionId,
              counterparty_id: order.counterpartyId,
              payment_amount: centsToText(order.quantity * order.unitPriceCents),
              currency_id: order.currencyId,
              payment_type_id: p.paymentTypeId,
              paid: p.paid,
              payment_date: order.agreedPaymentDate,
              company_ac_number: p.companyAccount,
              counterparty_ac_number: p.counterpartyAccount,
              created_at: formatTimestamp(order.createdMs),
              last_updated: formatTimestamp(p.lastUpdatedMs),
            };
          });
      }
    },
  };
}
