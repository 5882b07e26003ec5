import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { factDates, toDimDate, toFactSalesOrder } from '../../../lambdas/transform/tables';
import { transformErrorFrom } from './helpers';

describe('toDimDate', () => {
  it('describes 2024-02-29 as a Thursday in February, Q1, in the catalogue column order', () => {
    const [row] = toDimDate(['2024-02-29']);
    expect(row).toEqual({
      date_id: '2024-02-29',
      year: 2024,
      month: 2,
      day: 29,
      day_of_week: 4,
      day_name: 'Thursday',
      month_name: 'February',
      quarter: 1,
    });
    expect(Object.keys(row ?? {})).toEqual(DIMENSIONS.dim_date.columns.map((c) => c.name));
  });

  it('numbers Sunday 7, as ISO does', () => {
    expect(toDimDate(['2023-12-31'])[0]).toMatchObject({
      day_of_week: 7,
      day_name: 'Sunday',
      month_name: 'December',
      quarter: 4,
    });
  });

  it.each([
    ['1970-01-01', 4, 'Thursday', 1],
    ['2000-01-01', 6, 'Saturday', 1],
    ['2024-03-04', 1, 'Monday', 1],
    ['2024-07-01', 1, 'Monday', 3],
    ['1900-03-01', 4, 'Thursday', 1],
    ['2100-12-31', 5, 'Friday', 4],
    ['0001-01-01', 1, 'Monday', 1],
  ])('knows %s is day %i (%s), quarter %i', (date, dayOfWeek, dayName, quarter) => {
    expect(toDimDate([date])[0]).toMatchObject({
      day_of_week: dayOfWeek,
      day_name: dayName,
      quarter,
    });
  });

  it('agrees with the calendar for every day of 2023–2024', () => {
    const names = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    const dates: string[] = [];
    for (let t = Date.UTC(2023, 0, 1); t <= Date.UTC(2024, 11, 31); t += 86_400_000) {
      dates.push(new Date(t).toISOString().slice(0, 10));
    }
    for (const row of toDimDate(dates)) {
      const day = new Date(`${String(row.date_id)}T00:00:00Z`).getUTCDay();
      expect(row.day_name).toBe(names[day]);
      expect(row.day_of_week).toBe(day === 0 ? 7 : day);
    }
  });

  it('gives one row per distinct date, in date order', () => {
    expect(toDimDate(['2024-03-02', '2024-03-01', '2024-03-02']).map((r) => r.date_id)).toEqual([
      '2024-03-01',
      '2024-03-02',
    ]);
  });

  it('refuses a date that is not on the calendar', () => {
    expect(transformErrorFrom(() => toDimDate(['2023-02-29']))).toMatchObject({
      table: 'dim_date',
      key: '2023-02-29',
      column: 'date_id',
      problem: "must be a date 'YYYY-MM-DD'",
    });
  });
});

describe('factDates', () => {
  it('lists every date a sales fact points at, so dim_date can cover them', () => {
    const [fact] = toFactSalesOrder([
      {
        sales_order_id: 2,
        created_at: '2024-03-01T09:15:02.123000Z',
        last_updated: '2024-03-02T10:00:00.000000Z',
        design_id: 3,
        staff_id: 19,
        counterparty_id: 8,
        units_sold: 1,
        unit_price: '3.94',
        currency_id: 2,
        agreed_delivery_date: '2024-03-07',
        agreed_payment_date: '2024-03-08',
        agreed_delivery_location_id: 8,
      },
    ]);
    const dates = factDates(fact ?? {}, 'fact_sales_order');
    expect([...dates].sort()).toEqual(['2024-03-01', '2024-03-02', '2024-03-07', '2024-03-08']);
    expect(toDimDate(dates)).toHaveLength(4);
  });

  it('lists the payment date of a payment fact', () => {
    const payment = {
      payment_date: '2024-03-05',
      created_date: '2024-03-01',
      last_updated_date: '2024-03-01',
    };
    expect(factDates(payment, 'fact_payment').sort()).toEqual([
      '2024-03-01',
      '2024-03-01',
      '2024-03-05',
    ]);
  });
});
