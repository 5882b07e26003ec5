import type { DecodedRow } from '../../../lambdas/shared/core/json-lines';
import {
  checkSnapshotRows,
  joinedRows,
  type Snapshot,
  type SnapshotTable,
} from '../../../lambdas/transform/snapshots';
import { dimStaff } from '../../../lambdas/transform/tables/dim-staff';
import { sourceRow, transformErrorFrom } from './helpers';

const stamp = '2024-03-01T09:15:02.123Z';
const department = sourceRow('department', {
  department_id: 2,
  department_name: 'Purchasing',
  location: null,
  last_updated: stamp,
});
const staff = sourceRow('staff', { staff_id: 1, department_id: 2, last_updated: stamp });
const counterparty = sourceRow('counterparty', {
  counterparty_id: 4,
  legal_address_id: 15,
  last_updated: stamp,
});

const snapshots = (departments: DecodedRow[]) =>
  new Map<SnapshotTable, Snapshot>([
    ['department', new Map(departments.map((d) => [d.department_id as number, d]))],
    ['address', new Map()],
  ]);

describe('checkSnapshotRows', () => {
  it('passes rows that join', () => {
    expect(() => checkSnapshotRows('department', [department], snapshots([]))).not.toThrow();
    expect(() => checkSnapshotRows('staff', [staff], snapshots([department]))).not.toThrow();
  });

  it('refuses a department row as dim_staff would read it, naming table, key and column', () => {
    const error = transformErrorFrom(() =>
      checkSnapshotRows(
        'department',
        [{ ...department, last_updated: 'yesterday' }],
        snapshots([]),
      ),
    );
    expect(error).toMatchObject({ table: 'department', key: 2, column: 'last_updated' });
  });

  it('refuses staff and counterparty rows that refer to rows their snapshots do not hold', () => {
    expect(
      transformErrorFrom(() => checkSnapshotRows('staff', [staff], snapshots([]))),
    ).toMatchObject({ table: 'staff', key: 1, column: 'department_id' });
    expect(
      transformErrorFrom(() => checkSnapshotRows('counterparty', [counterparty], snapshots([]))),
    ).toMatchObject({ table: 'counterparty', key: 4, column: 'legal_address_id' });
  });
});

describe('joinedRows', () => {
  const sales = { ...department, department_id: 1, department_name: 'Sales' };
  const second = { ...staff, staff_id: 2, first_name: 'Deron', department_id: 1 };
  const state = () =>
    new Map<SnapshotTable, Snapshot>([
      [
        'department',
        new Map([
          [2, { ...department, department_name: 'Buying' }],
          [1, sales],
        ]),
      ],
      [
        'staff',
        new Map([
          [1, staff],
          [2, second],
        ]),
      ],
    ]);

  it('rebuilds every staff member of a department the batch changed, though not in the batch', () => {
    const rows = joinedRows(dimStaff, state(), new Map([['department', new Set([2])]]));
    expect(rows.map((r) => [r.staff_id, r.department_name])).toEqual([[1, 'Buying']]);
  });

  it('rebuilds a staff member the batch changed, joined to the current department', () => {
    const rows = joinedRows(dimStaff, state(), new Map([['staff', new Set([2])]]));
    expect(rows.map((r) => [r.staff_id, r.department_name])).toEqual([[2, 'Sales']]);
  });

  it('builds nothing when the batch touched neither side', () => {
    expect(joinedRows(dimStaff, state(), new Map([['address', new Set([2])]]))).toEqual([]);
  });
});
