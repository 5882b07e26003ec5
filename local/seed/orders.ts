import { DAY_MS, ORDERS_END_MS, ORDERS_START_MS, formatDate } from './clock';
import { CURRENCY_CODES, CURRENCY_WEIGHTS } from './names';
import type { SeedPlan } from './plan';
import { Random, streamSeed } from './prng';
import type { ReferenceData } from './reference-data';
import { SEED } from './row';
import { ClusteredClock, lastUpdated } from './stamps';

export type TransactionType = 'SALE' | 'PURCHASE';

/** Payment type ids, in the order reference-data creates them. */
export const PAYMENT_TYPE_IDS = {
  SALES_RECEIPT: 1,
  SALES_REFUND: 2,
  PURCHASE_PAYMENT: 3,
  PURCHASE_REFUND: 4,
} as const;

export interface PaymentDraft {
  readonly paid: boolean;
  readonly paymentTypeId: number;
  readonly lastUpdatedMs: number;
  readonly companyAccount: number;
  readonly counterpartyAccount: number;
}

/**
 * One order with everything its transaction and payment need. The transaction and payment
 * passes regenerate the order streams rather than keep them, so memory stays flat at any scale.
 */
export interface OrderDraft {
  readonly type: TransactionType;
  readonly orderId: number;
  readonly createdMs: number;
  readonly lastUpdatedMs: number;
  readonly staffId: number;
  readonly counterpartyId: number;
  readonly currencyId: number;
  readonly deliveryLocationId: number;
  readonly agreedDeliveryDate: string;
  readonly agreedPaymentDate: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  /** Sales orders only. */
  readonly designId: number;
  /** Purchase orders only. */
  readonly itemCode: string;
  readonly transactionLastUpdatedMs: number;
  readonly payment: PaymentDraft | null;
}

const PAYMENT_SHARE = 0.9;
const REFUND_SHARE = 0.05;
/** A payment this much older than the end of generated time has nearly always been paid. */
const SETTLED_AGE_MS = 45 * DAY_MS;
const TRANSACTION_UPDATED_SHARE = 0.05;
const ITEM_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const COMPANY_ACCOUNTS = [31_248_501, 47_390_264, 58_102_937] as const;

function ids(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

function payment(
  rng: Random,
  type: TransactionType,
  createdMs: number,
  counterpartyAccount: number,
): PaymentDraft | null {
  if (!rng.chance(PAYMENT_SHARE)) return null;
  const refund = rng.chance(REFUND_SHARE);
  const settled = ORDERS_END_MS - createdMs > SETTLED_AGE_MS;
  const paid = rng.chance(settled ? 0.97 : 0.35);
  // Only payments that were paid after being recorded carry a later edit (the paid flag flip).
  const flipped = paid && rng.chance(0.16);
  const editedMs = createdMs + rng.int(DAY_MS, 20 * DAY_MS);
  return {
    paid,
    paymentTypeId:
      type === 'SALE'
        ? refund
          ? PAYMENT_TYPE_IDS.SALES_REFUND
          : PAYMENT_TYPE_IDS.SALES_RECEIPT
        : refund
          ? PAYMENT_TYPE_IDS.PURCHASE_REFUND
          : PAYMENT_TYPE_IDS.PURCHASE_PAYMENT,
    lastUpdatedMs: flipped ? Math.min(editedMs, ORDERS_END_MS) : createdMs,
    companyAccount: rng.pick(COMPANY_ACCOUNTS),
    counterpartyAccount,
  };
}

/** The sales orders (type SALE) or purchase orders (PURCHASE) of a plan, generated lazily. */
export function* orderDrafts(
  plan: SeedPlan,
  reference: ReferenceData,
  type: TransactionType,
): Generator<OrderDraft> {
  const rng = new Random(streamSeed(SEED, type === 'SALE' ? 'sales_order' : 'purchase_order'));
  const count = type === 'SALE' ? plan.salesOrders : plan.purchaseOrders;
  const clock = new ClusteredClock(rng, count, ORDERS_START_MS, ORDERS_END_MS);
  const staffIds = type === 'SALE' ? reference.salesStaffIds : reference.purchasingStaffIds;
  const counterpartyIds = ids(reference.counterparty.length);
  const designIds = ids(reference.design.length);
  const addressIds = ids(reference.address.length);
  const currencyIds = ids(CURRENCY_CODES.length);
  const itemCodes = Array.from({ length: 300 }, () => rng.letters(7, ITEM_CODE_ALPHABET));
  for (let i = 0; i < count; i++) {
    const createdMs = clock.at(i);
    const counterpartyIndex = Math.floor(Math.pow(rng.next(), 1.5) * counterpartyIds.length);
    const sale = type === 'SALE';
    yield {
      type,
      orderId: i + 1,
      createdMs,
      lastUpdatedMs: lastUpdated(rng, createdMs),
      staffId: rng.pick(staffIds),
      counterpartyId: counterpartyIds[counterpartyIndex] as number,
      currencyId: rng.weighted(currencyIds, CURRENCY_WEIGHTS),
      deliveryLocationId: rng.pick(addressIds),
      agreedDeliveryDate: formatDate(createdMs + rng.int(2, 14) * DAY_MS),
      agreedPaymentDate: formatDate(createdMs + rng.int(1, 10) * DAY_MS),
      quantity: sale ? rng.int(1_000, 100_000) : rng.int(1, 1_000),
      unitPriceCents: sale ? rng.int(200, 400) : rng.int(100, 100_000),
      designId: sale ? rng.skewed(designIds, 1.5) : 0,
      itemCode: sale ? '' : rng.pick(itemCodes),
      transactionLastUpdatedMs: lastUpdated(rng, createdMs, TRANSACTION_UPDATED_SHARE),
      payment: payment(
        rng,
        type,
        createdMs,
        reference.counterpartyAccounts[counterpartyIndex] as number,
      ),
    };
  }
}

export interface TransactionDraft {
  readonly transactionId: number;
  /** Null when the transaction has no payment. */
  readonly paymentId: number | null;
  readonly order: OrderDraft;
}

/**
 * Every order's transaction, in creation order across sales and purchases (ties: sales first),
 * with transaction and payment ids handed out in that order as a live system would.
 */
export function* transactionDrafts(
  plan: SeedPlan,
  reference: ReferenceData,
): Generator<TransactionDraft> {
  const sales = orderDrafts(plan, reference, 'SALE');
  const purchases = orderDrafts(plan, reference, 'PURCHASE');
  let sale = sales.next();
  let purchase = purchases.next();
  let transactionId = 0;
  let paymentId = 0;
  while (!sale.done || !purchase.done) {
    let order: OrderDraft;
    if (!sale.done && (purchase.done || sale.value.createdMs <= purchase.value.createdMs)) {
      order = sale.value;
      sale = sales.next();
    } else if (!purchase.done) {
      order = purchase.value;
      purchase = purchases.next();
    } else {
      break;
    }
    transactionId++;
    yield {
      transactionId,
      paymentId: order.payment ? ++paymentId : null,
      order,
    };
  }
}

/** Cents as the numeric text totesys stores ('1234.50'). */
export function centsToText(cents: number): string {
  const whole = Math.floor(cents / 100);
  const part = cents - whole * 100;
  return `${whole}.${part < 10 ? '0' : ''}${part}`;
}
