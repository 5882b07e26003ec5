import { dimStaff } from '../../../lambdas/transform/tables/dim-staff';
import type { SourceRowOf } from '../../../lambdas/shared/core/catalogue';
import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimStaff } from '../../../lambdas/transform/tables';
import {
  expectEveryColumnChecked,
  sourceRow,
  transformErrorFrom,
  warehouseRow,
  without,
} from './helpers';

// Built from the catalogue: a nullable column it adds is null here, and in the expected rows.
const staff = sourceRow('staff', {
  staff_id: 1,
  first_name: 'Jeremie',
  last_name: 'Franey',
  department_id: 2,
  email_address: 'jeremie.franey@terrifictotes.com',
  created_at: '2022-11-03T14:20:51.563000Z',
  last_updated: '2022-11-03T14:20:51.563000Z',
});

const purchasing = sourceRow('department', {
  department_id: 2,
  department_name: 'Purchasing',
  location: 'Manchester',
  manager: 'Naomi Lapaglia',
  created_at: '2022-11-03T14:20:49.962000Z',
  last_updated: '2022-11-03T14:20:49.962000Z',
});

const byId = (...departments: SourceRowOf<'department'>[]) =>
  new Map(departments.map((d) => [d.department_id as number, d]));

describe('toDimStaff', () => {
  it('joins staff to their department, in the catalogue column order', () => {
    const [row] = toDimStaff([staff], byId(purchasing));
    expect(row).toEqual(
      warehouseRow('dim_staff', {
        staff_id: 1,
        first_name: 'Jeremie',
        last_name: 'Franey',
        department_name: 'Purchasing',
        location: 'Manchester',
        email_address: 'jeremie.franey@terrifictotes.com',
        source_updated_at: '2022-11-03T14:20:51.563000Z',
      }),
    );
    expect(Object.keys(row ?? {})).toEqual([
      ...DIMENSIONS.dim_staff.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('shows a renamed department, dated by the later of the two changes', () => {
    const renamed = {
      ...purchasing,
      department_name: 'Procurement',
      last_updated: '2024-05-01T08:00:00.000000Z',
    };
    const [row] = toDimStaff([staff], byId(renamed));
    expect(row).toMatchObject({
      department_name: 'Procurement',
      source_updated_at: '2024-05-01T08:00:00.000000Z',
    });
  });

  it('keeps the newest version of a staff member, whatever the input order', () => {
    const moved = {
      ...staff,
      last_name: 'Franey-Smith',
      last_updated: '2024-01-01T00:00:00.000000Z',
    };
    expect(toDimStaff([moved, staff], byId(purchasing)).map((r) => r.last_name)).toEqual([
      'Franey-Smith',
    ]);
  });

  it('keeps a department without a location as a null location', () => {
    const [row] = toDimStaff([staff], byId({ ...purchasing, location: null }));
    expect(row?.location).toBeNull();
  });

  it('refuses a staff member whose department is unknown, naming staff_id and department_id', () => {
    const error = transformErrorFrom(() => toDimStaff([staff], byId()));
    expect(error).toMatchObject({ table: 'staff', key: 1, column: 'department_id' });
    expect(error.message).toContain('unknown department 2');
  });

  it('names the department column that is wrong', () => {
    expect(
      transformErrorFrom(() => toDimStaff([staff], byId({ ...purchasing, department_name: null }))),
    ).toMatchObject({ table: 'department', key: 2, column: 'department_name' });
  });

  it.each([
    'staff_id',
    'first_name',
    'last_name',
    'department_id',
    'email_address',
    'last_updated',
  ])('names the missing column %s', (column) => {
    expect(
      transformErrorFrom(() => toDimStaff([without(staff, column)], byId(purchasing))).column,
    ).toBe(column);
  });

  it('checks and names every column it keeps, of the staff row and of its department', () => {
    expectEveryColumnChecked(
      staff,
      { table: 'staff', keyColumn: 'staff_id', unread: ['created_at'] },
      (drifted) => toDimStaff([drifted], byId(purchasing)),
    );
    expectEveryColumnChecked(
      purchasing,
      {
        table: 'department',
        keyColumn: 'department_id',
        unread: ['department_id', 'manager', 'created_at'],
      },
      (drifted) => toDimStaff([staff], new Map([[2, drifted]])),
    );
  });

  it('checks a landed department row as dim_staff will read it, before it joins the snapshot', () => {
    expectEveryColumnChecked(
      purchasing,
      { table: 'department', keyColumn: 'department_id', unread: ['manager', 'created_at'] },
      (drifted) => dimStaff.checkJoined?.(drifted),
    );
  });
});
