import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimLocation } from '../../../lambdas/transform/tables';
import { expectEveryColumnChecked, transformErrorFrom, without } from './helpers';

const address = {
  address_id: 3,
  address_line_1: '6826 Herzog Via',
  address_line_2: null,
  district: null,
  city: 'New Patienceburgh',
  postal_code: '28441',
  country: 'Turkey',
  phone: '1803 637401',
  created_at: '2022-11-03T14:20:49.962000Z',
  last_updated: '2022-11-03T14:20:49.962000Z',
};

describe('toDimLocation', () => {
  it('keeps null address lines null, in the catalogue column order', () => {
    const [row] = toDimLocation([address]);
    expect(row).toEqual({
      location_id: 3,
      address_line_1: '6826 Herzog Via',
      address_line_2: null,
      district: null,
      city: 'New Patienceburgh',
      postal_code: '28441',
      country: 'Turkey',
      phone: '1803 637401',
      source_updated_at: '2022-11-03T14:20:49.962000Z',
    });
    expect(Object.keys(row ?? {})).toEqual([
      ...DIMENSIONS.dim_location.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('keeps the newest version of an address; on a tie, the later occurrence', () => {
    const moved = { ...address, district: 'Avon', last_updated: '2024-02-01T12:00:00.000000Z' };
    const again = { ...moved, phone: '0117 496 0000' };
    expect(toDimLocation([moved, address, again])).toEqual([
      expect.objectContaining({ district: 'Avon', phone: '0117 496 0000' }),
    ]);
  });

  it('refuses a null city, naming it', () => {
    expect(transformErrorFrom(() => toDimLocation([{ ...address, city: null }]))).toMatchObject({
      table: 'address',
      key: 3,
      column: 'city',
    });
  });

  it.each(Object.keys(address).filter((c) => c !== 'created_at'))(
    'names the missing column %s',
    (column) => {
      expect(transformErrorFrom(() => toDimLocation([without(address, column)])).column).toBe(
        column,
      );
    },
  );

  it('checks and names every column it keeps', () => {
    expectEveryColumnChecked(
      address,
      { table: 'address', keyColumn: 'address_id', unread: ['created_at'] },
      (drifted) => toDimLocation([drifted]),
    );
  });
});
