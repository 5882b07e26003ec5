/**
 * The Parquet shape of a warehouse table, derived from the warehouse catalogue alone so that the
 * writer, the reader and any analyst's tool see the same types.
 */
import type { FileMetaData, SchemaElement } from 'hyparquet';
import {
  hasSourceVersion,
  type WarehouseColumnType,
  type WarehouseTable,
} from '../core/warehouse-catalogue';
import { DECIMAL_PRECISION, DECIMAL_SCALE } from '../core/value-codecs';

/** The catalogue's column types plus `timestamp`, used only by the bookkeeping column. */
export type ParquetColumnType = WarehouseColumnType | 'timestamp';

export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
  readonly nullable: boolean;
}

/**
 * When the source last changed a dimension row: the load stage's SCD1 update only replaces a
 * warehouse row with a newer one. It is Parquet-only; the catalogue does not list it.
 */
export const SOURCE_UPDATED_AT = 'source_updated_at';

const columnsCache = new WeakMap<WarehouseTable, readonly ParquetColumn[]>();

/**
 * The columns of `table` as they are stored in Parquet: the catalogue's columns in catalogue
 * order, then, for a source-versioned dimension (every one but the calendar's),
 * `source_updated_at` as a non-null `timestamp` ('YYYY-MM-DDTHH:MM:SS.ffffffZ').
 */
export function parquetColumnsOf(table: WarehouseTable): readonly ParquetColumn[] {
  let columns = columnsCache.get(table);
  if (!columns) {
    columns = hasSourceVersion(table)
      ? [...table.columns, { name: SOURCE_UPDATED_AT, type: 'timestamp', nullable: false }]
      : table.columns;
    columnsCache.set(table, columns);
  }
  return columns;
}

/** The element for one column; `repetition_type` follows the column's nullability. */
export function schemaElementOf(column: ParquetColumn): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  switch (column.type) {
    case 'integer':
      // No logical type: hyparquet-writer writes IntType's bitWidth as a Thrift i32 where the
      // format has an i8, and DuckDB refuses the whole footer (readers generated from the same
      // Thrift file, Arrow's and Spark's, are likely to). INT_32 alone means INT(32, signed).
      return { name, repetition_type, type: 'INT32', converted_type: 'INT_32' };
    case 'text':
      return {
        name,
        repetition_type,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      };
    case 'decimal':
      // INT64 because a precision of 10 does not fit INT32's 9 digits.
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'DECIMAL',
        precision: DECIMAL_PRECISION,
        scale: DECIMAL_SCALE,
        logical_type: { type: 'DECIMAL', precision: DECIMAL_PRECISION, scale: DECIMAL_SCALE },
      };
    case 'date':
      return {
        name,
        repetition_type,
        type: 'INT32',
        converted_type: 'DATE',
        logical_type: { type: 'DATE' },
      };
    case 'time':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIME_MICROS',
        logical_type: { type: 'TIME', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'boolean':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'timestamp':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
  }
}

/** The whole schema: hyparquet's flat list, root first. */
export function parquetSchemaOf(table: WarehouseTable): SchemaElement[] {
  const columns = parquetColumnsOf(table);
  return [
    { name: table.name, num_children: columns.length },
    ...columns.map((column) => schemaElementOf(column)),
  ];
}

/** 'INT64 DECIMAL(10,2)', 'INT64 TIME(MICROS, UTC)': how a type is named in error messages. */
export function describeElement(element: SchemaElement): string {
  const logical = element.logical_type;
  let annotation = '';
  if (logical) {
    switch (logical.type) {
      case 'DECIMAL':
        annotation = ` DECIMAL(${logical.precision},${logical.scale})`;
        break;
      case 'TIME':
      case 'TIMESTAMP':
        annotation = ` ${logical.type}(${logical.unit}, ${logical.isAdjustedToUTC ? 'UTC' : 'local'})`;
        break;
      case 'INTEGER':
        annotation = ` INT(${logical.bitWidth}, ${logical.isSigned ? 'signed' : 'unsigned'})`;
        break;
      default:
        annotation = ` ${logical.type}`;
    }
  } else if (element.converted_type) {
    const integer = /^(U?)INT_(8|16|32|64)$/.exec(element.converted_type);
    annotation =
      element.converted_type === 'DECIMAL'
        ? ` DECIMAL(${element.precision},${element.scale})`
        : integer
          ? ` INT(${integer[2]}, ${integer[1] ? 'unsigned' : 'signed'})`
          : ` ${element.converted_type}`;
  }
  return `${element.type ?? 'group'}${annotation}`;
}

/**
 * What is wrong with a file's schema for `table`, or an empty list. Column order is not checked
 * (columns are read by name); a REQUIRED column where the catalogue allows NULL is accepted,
 * since every value it holds is still valid.
 */
export function schemaProblems(metadata: FileMetaData, table: WarehouseTable): string[] {
  const problems: string[] = [];
  const [root, ...elements] = metadata.schema;
  if (!root) return ['schema is empty'];
  const found = new Map<string, SchemaElement>();
  for (const element of elements) {
    // A nested file has group elements and children, which no warehouse table has.
    if (element.num_children !== undefined && element.num_children > 0) {
      problems.push(`column ${element.name} is a nested group`);
    }
    found.set(element.name, element);
  }
  const expectedNames = new Set<string>();
  for (const column of parquetColumnsOf(table)) {
    expectedNames.add(column.name);
    const actual = found.get(column.name);
    if (!actual) {
      problems.push(`column ${column.name} missing`);
      continue;
    }
    const expected = schemaElementOf(column);
    const actualType = describeElement(actual);
    const expectedType = describeElement(expected);
    if (actualType !== expectedType || actual.type_length !== expected.type_length) {
      problems.push(`column ${column.name} is ${actualType}, expected ${expectedType}`);
    }
    if (actual.repetition_type !== 'REQUIRED' && !column.nullable) {
      problems.push(
        `column ${column.name} is ${actual.repetition_type ?? 'unset'}, expected REQUIRED`,
      );
    }
  }
  for (const name of found.keys()) {
    if (!expectedNames.has(name)) problems.push(`unexpected column ${name}`);
  }
  return problems;
}
