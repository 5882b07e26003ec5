/** The pure core of the transform stage: one function per warehouse table, from rows to rows. */
export { TransformError, type RowKey } from './errors';
export { distinctVersions, latestByKey } from './dedupe';
export {
  isIsoDate,
  newest,
  readBool,
  readDate,
  readDecimal,
  readInt,
  readIntOrNull,
  readKey,
  readText,
  readTextOrNull,
  readTimestamp,
  sameDayDates,
  timestampDate,
  timestampTime,
  toDecimal2,
} from './values';
export { ACTIVE_CURRENCY_NAMES, WITHDRAWN_CURRENCY_NAMES, currencyName } from './iso-4217';
export { toDimCounterparty } from './dim-counterparty';
export { toDimCurrency, unknownCurrencyName } from './dim-currency';
export { factDates, toDimDate } from './dim-date';
export { toDimDesign } from './dim-design';
export { toDimLocation } from './dim-location';
export { toDimPaymentType } from './dim-payment-type';
export { departmentOfStaff, toDimStaff } from './dim-staff';
export { toDimTransaction } from './dim-transaction';
export { toFactPayment } from './fact-payment';
export { toFactPurchaseOrder } from './fact-purchase-order';
export { toFactSalesOrder } from './fact-sales-order';
