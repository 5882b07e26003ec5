import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { TransformError } from './errors';
import { joined } from './spec';
import { newest, readInt, readKey, readText, readTextOrNull, readTimestamp } from './values';

/**
 * dim_staff rows: the newest version of each staff member joined to their department, looked
 * up by department_id in `departments` (the current department snapshot, so a renamed or moved
 * department shows its new name and location). source_updated_at is the later of the staff
 * and the department row's last_updated.
 *
 * @throws {TransformError} (table 'staff', column 'department_id') when the department is not
 *   in `departments`, or for a missing, null or mistyped column of either row.
 * @example
 * toDimStaff([{ staff_id: 1, first_name: 'Jeremie', department_id: 2, ... }], departmentsById);
 * // → [{ staff_id: 1, first_name: 'Jeremie', department_name: 'Purchasing', location: 'Manchester',
 * //      ..., source_updated_at: '2024-03-01T09:15:02.123Z' }]
 */
export function toDimStaff(
  staff: readonly SourceRowOf<'staff'>[],
  departments: ReadonlyMap<number, SourceRowOf<'department'>>,
): RowOf<'dim_staff'>[] {
  return latestByKey(staff, 'staff', 'staff_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_staff'> => {
      const departmentId = readInt(row.department_id, 'department_id', 'staff', key);
      const department = departments.get(departmentId);
      if (department === undefined) {
        throw new TransformError(
          'staff',
          key,
          'department_id',
          `refers to unknown department ${departmentId}`,
        );
      }
      const shown = departmentOfStaff(department, departmentId);
      return {
        staff_id: key,
        first_name: readText(row.first_name, 'first_name', 'staff', key),
        last_name: readText(row.last_name, 'last_name', 'staff', key),
        department_name: shown.department_name,
        location: shown.location,
        email_address: readText(row.email_address, 'email_address', 'staff', key),
        source_updated_at: newest(lastUpdated, shown.last_updated),
      };
    },
  );
}

/**
 * What dim_staff shows of a department row, read as toDimStaff reads it: also the check a
 * landed department row passes before it joins the department snapshot.
 *
 * @throws {TransformError} (table 'department') for a missing, null or mistyped column.
 * @example
 * departmentOfStaff({ department_id: 2, department_name: 'Purchasing', location: null, ... }, 2);
 * // → { department_name: 'Purchasing', location: null, last_updated: '2024-03-01T09:15:02.123Z' }
 */
export function departmentOfStaff(department: SourceRowOf<'department'>, departmentId: number) {
  return {
    department_name: readText(
      department.department_name,
      'department_name',
      'department',
      departmentId,
    ),
    location: readTextOrNull(department.location, 'location', 'department', departmentId),
    last_updated: readTimestamp(
      department.last_updated,
      'last_updated',
      'department',
      departmentId,
    ),
  };
}

export const dimStaff = joined({
  table: DIMENSIONS.dim_staff,
  from: 'staff',
  via: 'department_id',
  shape: toDimStaff,
  checkJoined: (department) =>
    departmentOfStaff(department, readKey(department, 'department', 'department_id')),
});
