import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimDesign } from '../../../lambdas/transform/tables';
import { expectEveryColumnChecked, transformErrorFrom, without } from './helpers';

const design = {
  design_id: 8,
  design_name: 'Wooden',
  file_location: '/usr',
  file_name: 'wooden-20220717-npgz.json',
  created_at: '2022-11-03T14:20:49.962000Z',
  last_updated: '2022-11-03T14:20:49.962000Z',
};

describe('toDimDesign', () => {
  it('copies a design, in the catalogue column order', () => {
    const [row] = toDimDesign([design]);
    expect(row).toEqual({
      design_id: 8,
      design_name: 'Wooden',
      file_location: '/usr',
      file_name: 'wooden-20220717-npgz.json',
      source_updated_at: '2022-11-03T14:20:49.962000Z',
    });
    expect(Object.keys(row ?? {})).toEqual([
      ...DIMENSIONS.dim_design.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('keeps the newest version of a design', () => {
    const renamed = { ...design, design_name: 'Oak', last_updated: '2023-01-01T00:00:00.000000Z' };
    expect(toDimDesign([renamed, design, { ...design }]).map((r) => r.design_name)).toEqual([
      'Oak',
    ]);
  });

  it.each(['design_id', 'design_name', 'file_location', 'file_name', 'last_updated'])(
    'names the missing column %s',
    (column) => {
      expect(transformErrorFrom(() => toDimDesign([without(design, column)])).column).toBe(column);
    },
  );

  it('checks and names every column it keeps', () => {
    expectEveryColumnChecked(
      design,
      { table: 'design', keyColumn: 'design_id', unread: ['created_at'] },
      (drifted) => toDimDesign([drifted]),
    );
  });
});
