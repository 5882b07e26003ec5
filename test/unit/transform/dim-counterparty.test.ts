import type { SourceRowOf } from '../../../lambdas/shared/core/catalogue';
import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimCounterparty } from '../../../lambdas/transform/tables';
import { expectEveryColumnChecked, transformErrorFrom, without } from './helpers';

const counterparty = {
  counterparty_id: 4,
  counterparty_legal_name: 'Fahey and Sons',
  legal_address_id: 15,
  commercial_contact: 'Micheal Toy',
  delivery_contact: 'Mrs. Lucy Runolfsdottir',
  created_at: '2022-11-03T14:20:51.563000Z',
  last_updated: '2022-11-03T14:20:51.563000Z',
};

const address = {
  address_id: 15,
  address_line_1: '605 Haskell Trafficway',
  address_line_2: 'Axel Freeway',
  district: null,
  city: 'East Bobbie',
  postal_code: '88253-4257',
  country: 'Heard Island and McDonald Islands',
  phone: '9687 937447',
  created_at: '2022-11-03T14:20:49.962000Z',
  last_updated: '2023-06-01T10:00:00.000000Z',
};

const byId = (...addresses: SourceRowOf<'address'>[]) =>
  new Map(addresses.map((a) => [a.address_id as number, a]));

describe('toDimCounterparty', () => {
  it('joins the legal address into counterparty_legal_* columns, in the catalogue order', () => {
    const [row] = toDimCounterparty([counterparty], byId(address));
    expect(row).toEqual({
      counterparty_id: 4,
      counterparty_legal_name: 'Fahey and Sons',
      counterparty_legal_address_line_1: '605 Haskell Trafficway',
      counterparty_legal_address_line_2: 'Axel Freeway',
      counterparty_legal_district: null,
      counterparty_legal_city: 'East Bobbie',
      counterparty_legal_postal_code: '88253-4257',
      counterparty_legal_country: 'Heard Island and McDonald Islands',
      counterparty_legal_phone_number: '9687 937447',
      source_updated_at: '2023-06-01T10:00:00.000000Z',
    });
    expect(Object.keys(row ?? {})).toEqual([
      ...DIMENSIONS.dim_counterparty.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('keeps null address lines null', () => {
    const [row] = toDimCounterparty(
      [counterparty],
      byId({ ...address, address_line_2: null, district: null }),
    );
    expect(row).toMatchObject({
      counterparty_legal_address_line_2: null,
      counterparty_legal_district: null,
    });
  });

  it('dates the row by the counterparty when it changed after its address', () => {
    const renamed = {
      ...counterparty,
      counterparty_legal_name: 'Fahey & Sons',
      last_updated: '2024-07-07T07:07:07.777000Z',
    };
    expect(toDimCounterparty([counterparty, renamed], byId(address))).toEqual([
      expect.objectContaining({
        counterparty_legal_name: 'Fahey & Sons',
        source_updated_at: '2024-07-07T07:07:07.777000Z',
      }),
    ]);
  });

  it('refuses a counterparty whose legal address is unknown', () => {
    expect(transformErrorFrom(() => toDimCounterparty([counterparty], byId()))).toMatchObject({
      table: 'counterparty',
      key: 4,
      column: 'legal_address_id',
      problem: 'refers to unknown address 15',
    });
  });

  it('names the address column that is missing', () => {
    expect(
      transformErrorFrom(() => toDimCounterparty([counterparty], byId(without(address, 'phone')))),
    ).toMatchObject({ table: 'address', key: 15, column: 'phone' });
  });

  it('does not need the contacts, which the warehouse does not keep', () => {
    const bare = without(without(counterparty, 'commercial_contact'), 'delivery_contact');
    expect(toDimCounterparty([bare], byId(address))).toHaveLength(1);
  });

  it('checks and names every column it keeps, of the counterparty and of its legal address', () => {
    expectEveryColumnChecked(
      counterparty,
      {
        table: 'counterparty',
        keyColumn: 'counterparty_id',
        unread: ['commercial_contact', 'delivery_contact', 'created_at'],
      },
      (drifted) => toDimCounterparty([drifted], byId(address)),
    );
    expectEveryColumnChecked(
      address,
      { table: 'address', keyColumn: 'address_id', unread: ['address_id', 'created_at'] },
      (drifted) => toDimCounterparty([counterparty], new Map([[15, drifted]])),
    );
  });
});
