import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import {
  ACTIVE_CURRENCY_NAMES,
  currencyName,
  toDimCurrency,
} from '../../../lambdas/transform/tables';
import { expectEveryColumnChecked, transformErrorFrom } from './helpers';

const currency = (currency_id: number, currency_code: string) => ({
  currency_id,
  currency_code,
  created_at: '2022-11-03T14:20:49.962000Z',
  last_updated: '2022-11-03T14:20:49.962000Z',
});

describe('toDimCurrency', () => {
  it('names GBP, USD and EUR as SCHEMA.md spells them', () => {
    const rows = toDimCurrency([currency(1, 'GBP'), currency(2, 'USD'), currency(3, 'EUR')]);
    expect(rows.map((r) => r.currency_name)).toEqual(['British Pound', 'US Dollar', 'Euro']);
    expect(rows[0]).toEqual({
      currency_id: 1,
      currency_code: 'GBP',
      currency_name: 'British Pound',
      source_updated_at: '2022-11-03T14:20:49.962000Z',
    });
    expect(Object.keys(rows[0] ?? {})).toEqual([
      ...DIMENSIONS.dim_currency.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('names any other ISO 4217 code by its English name', () => {
    expect(
      toDimCurrency([currency(4, 'JPY'), currency(5, 'CHF')]).map((r) => r.currency_name),
    ).toEqual(['Japanese Yen', 'Swiss Franc']);
  });

  it('keeps a currency whose code is not ISO 4217, so payments in it still load', () => {
    expect(toDimCurrency([currency(9, 'XYZ')])).toEqual([
      {
        currency_id: 9,
        currency_code: 'XYZ',
        currency_name: 'Unknown currency (XYZ)',
        source_updated_at: '2022-11-03T14:20:49.962000Z',
      },
    ]);
  });

  it('still names a recently withdrawn code', () => {
    expect(toDimCurrency([currency(6, 'HRK')])[0]?.currency_name).toBe('Croatian Kuna');
  });

  it('refuses a null currency code', () => {
    expect(
      transformErrorFrom(() => toDimCurrency([{ ...currency(7, 'GBP'), currency_code: null }])),
    ).toMatchObject({
      table: 'currency',
      key: 7,
      column: 'currency_code',
    });
  });
});

describe('the ISO 4217 list', () => {
  it('holds every active code once, as three capital letters with a name', () => {
    expect(ACTIVE_CURRENCY_NAMES.size).toBeGreaterThanOrEqual(175);
    for (const [code, name] of ACTIVE_CURRENCY_NAMES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(name.length).toBeGreaterThan(2);
    }
  });

  it('is looked up exactly', () => {
    expect(currencyName('gbp')).toBeUndefined();
  });

  it('checks and names every column it keeps', () => {
    expectEveryColumnChecked(
      currency(1, 'GBP'),
      { table: 'currency', keyColumn: 'currency_id', unread: ['created_at'] },
      (drifted) => toDimCurrency([drifted]),
    );
  });
});
