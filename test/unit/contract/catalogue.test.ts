import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SOURCE_TABLE_NAMES, SOURCE_TABLES } from '../../../contract/source-catalogue';
import {
  hasSourceVersion,
  WAREHOUSE_TABLES,
  warehouseTable,
} from '../../../contract/warehouse-catalogue';

const sql = path.join(__dirname, '../../../sql');

/** `[table, column, referenced table]` for every `REFERENCES` inside a CREATE TABLE. */
function declaredForeignKeys(files: readonly string[]): string[][] {
  const found: string[][] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [, table, body] of text.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
      for (const [, column, target] of (body ?? '').matchAll(
        /^\s+(\w+) [^,\n]*REFERENCES (\w+)/gm,
      )) {
        found.push([table ?? '', column ?? '', target ?? '']);
      }
    }
  }
  return found.sort();
}

const catalogued = (tables: readonly { name: string; references: object }[]) =>
  tables
    .flatMap((t) =>
      Object.entries(t.references).map(([column, target]) => [t.name, column, target]),
    )
    .sort();

describe('the source catalogue', () => {
  it('knows the foreign keys totesys declares', () => {
    expect(catalogued(Object.values(SOURCE_TABLES))).toEqual(
      declaredForeignKeys([path.join(sql, 'totesys/schema.sql')]),
    );
  });

  it('lists every table after the tables it refers to (ingest and seed order)', () => {
    for (const [index, name] of SOURCE_TABLE_NAMES.entries()) {
      for (const target of Object.values(SOURCE_TABLES[name].references)) {
        expect(SOURCE_TABLE_NAMES.indexOf(target)).toBeLessThan(index);
      }
    }
  });
});

describe('the warehouse catalogue', () => {
  it('knows the foreign keys the migrations declare', () => {
    const dir = path.join(sql, 'warehouse');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => path.join(dir, f));
    expect(catalogued(WAREHOUSE_TABLES)).toEqual(declaredForeignKeys(files));
  });

  it('loads every table after the tables it refers to: the dimensions, then the facts', () => {
    const names = WAREHOUSE_TABLES.map((t) => t.name);
    for (const [index, table] of WAREHOUSE_TABLES.entries()) {
      for (const target of Object.values(table.references)) {
        expect(names.indexOf(target)).toBeLessThan(index);
      }
    }
  });

  it('points every foreign key from one of its columns at a dimension', () => {
    for (const table of WAREHOUSE_TABLES) {
      for (const [column, target] of Object.entries(table.references)) {
        expect(table.columns.map((c) => c.name)).toContain(column);
        expect(warehouseTable(target)?.kind).toBe('dimension');
      }
    }
  });

  it('versions every dimension by its source rows but the calendar', () => {
    expect(WAREHOUSE_TABLES.filter(hasSourceVersion).map((t) => t.name)).toEqual(
      WAREHOUSE_TABLES.filter((t) => t.kind === 'dimension' && t.name !== 'dim_date').map(
        (t) => t.name,
      ),
    );
    expect(warehouseTable('no_such_table')).toBeUndefined();
  });
});
