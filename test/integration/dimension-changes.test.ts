import {
  SOURCE_TABLES,
  type SourceColumnOfType,
  type SourceTableName,
} from '../../lambdas/shared/core/catalogue';
import {
  DIMENSIONS,
  type CatalogueTable,
  type ColumnOf,
  type DimensionName,
} from '../../lambdas/shared/core/warehouse-catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { ingestBatch, loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory, REFERENCE } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * The load's dimension upsert, by behaviour: every value column of every dimension (from the
 * warehouse catalogue: a column shown from the same-named text column of its base table is
 * changed by appending to it, and any other does not compile until it has a change below) changed alone
 * on its own source row, then a same-timestamp tie and an older batch loaded late, each time
 * compared with the SQL reference. A column left out of the upsert's IS DISTINCT FROM list or
 * its SET list leaves the warehouse behind the source, and the comparison names it.
 */

/** The dimensions built from source rows (all but dim_date, from the calendar). */
type Dimension = {
  [D in DimensionName]: CatalogueTable<D> extends { readonly sourceVersioned: true } ? D : never;
}[DimensionName];

/** A dimension's columns but its key: each has a change below, or this file does not compile. */
type ValueColumn<D extends Dimension> = Exclude<ColumnOf<D>, CatalogueTable<D>['key']>;

/** The source table a dimension is built from, one row per row (per the reference). */
type Base<D extends Dimension> = NonNullable<(typeof REFERENCE)[D]['base']>;

/**
 * The value columns a dimension shows from the same-named text column of its base table: their
 * change, unless listed, appends to that column.
 */
type SameNamedText<D extends Dimension> = Extract<
  ValueColumn<D>,
  SourceColumnOfType<Base<D>, 'text'>
>;

/** A dimension's listed changes: every value column but the same-named text ones. */
type Listed<D extends Dimension> = {
  readonly [C in Exclude<ValueColumn<D>, SameNamedText<D>>]: Change;
} & { readonly [C in SameNamedText<D>]?: Change };

/**
 * A source change that reaches one dimension column. `set` is an assignment list that gives a
 * new value each time it is applied again; `where` narrows the rows it may pick.
 */
interface Change {
  readonly table: SourceTableName;
  readonly set: string;
  readonly where?: string;
  /** Dimension columns the change must reach as well (a name derived from a code). */
  readonly alsoReaches?: readonly string[];
}

const appended = (column: string): Change['set'] => `${column} = concat(${column}, ' ~')`;
const text = (table: SourceTableName, column: string, where?: string): Change => ({
  table,
  set: appended(column),
  where,
});
const LEGAL_ADDRESS = 'address_id IN (SELECT legal_address_id FROM counterparty)';
const legalAddress = (column: string): Change => text('address', column, LEGAL_ADDRESS);
const NEW_CODES = `ARRAY['NZD', 'SGD', 'HKD', 'NOK', 'DKK', 'PLN']`;
const newCode: Change = {
  table: 'currency',
  set: `currency_code = (SELECT c FROM unnest(${NEW_CODES}) c
                         WHERE c NOT IN (SELECT currency_code FROM currency) LIMIT 1)`,
};
const nextPaymentType = `payment_type_name = (enum_range(NULL::payment_type_name))[
  array_position(enum_range(NULL::payment_type_name), payment_type_name) % 4 + 1]`;

/** Dimensions with a column no change is derived for: they must be listed. */
type MustList = {
  [D in Dimension]: Record<string, never> extends Listed<D> ? never : D;
}[Dimension];

const LISTED: { readonly [D in MustList]: Listed<D> } & {
  readonly [D in Exclude<Dimension, MustList>]?: Listed<D>;
} = {
  dim_staff: {
    department_name: text('department', 'department_name'),
    location: text('department', 'location'),
  },
  dim_currency: {
    currency_code: { ...newCode, alsoReaches: ['currency_name'] },
    currency_name: { ...newCode, alsoReaches: ['currency_code'] },
  },
  dim_counterparty: {
    counterparty_legal_address_line_1: legalAddress('address_line_1'),
    counterparty_legal_address_line_2: legalAddress('address_line_2'),
    counterparty_legal_district: legalAddress('district'),
    counterparty_legal_city: legalAddress('city'),
    counterparty_legal_postal_code: legalAddress('postal_code'),
    counterparty_legal_country: legalAddress('country'),
    counterparty_legal_phone_number: legalAddress('phone'),
  },
  dim_transaction: {
    transaction_type: {
      table: 'transaction',
      set: `transaction_type = CASE transaction_type WHEN 'SALE' THEN 'PURCHASE' ELSE 'SALE' END::transaction_type`,
    },
    sales_order_id: {
      table: 'transaction',
      set: 'sales_order_id = NULL',
      where: 'sales_order_id IS NOT NULL',
    },
    purchase_order_id: {
      table: 'transaction',
      set: 'purchase_order_id = NULL',
      where: 'purchase_order_id IS NOT NULL',
    },
  },
  dim_payment_type: {
    payment_type_name: { table: 'payment_type', set: nextPaymentType },
  },
};

const DIMENSION_NAMES = Object.values(DIMENSIONS)
  .filter((d) => d.sourceVersioned)
  .map((d) => d.name as Dimension);

const baseOf = (dimension: Dimension): SourceTableName => REFERENCE[dimension].base!;

/** Every value column's change, in catalogue order: the listed one, else text appended to it. */
function changesOf(dimension: Dimension): Readonly<Record<string, Change>> {
  const listed: Readonly<Record<string, Change | undefined>> = LISTED[dimension] ?? {};
  const { key, columns } = DIMENSIONS[dimension];
  return Object.fromEntries(
    columns
      .filter((c) => c.name !== key)
      .map((c) => [c.name, listed[c.name] ?? text(baseOf(dimension), c.name)]),
  );
}

const CHANGES: Readonly<Record<Dimension, Readonly<Record<string, Change>>>> = Object.fromEntries(
  DIMENSION_NAMES.map((dimension) => [dimension, changesOf(dimension)]),
) as Record<Dimension, Record<string, Change>>;

/**
 * For the tie and the late batch: a change giving a new value every time it is applied; the
 * dimension's first column's change where none is listed.
 */
const REPEATABLE: { readonly [D in Dimension]?: Change } = {
  dim_location: CHANGES.dim_location.city!,
  dim_currency: newCode,
  // A type has two values: flipped twice it is back, so the order ids go too.
  dim_transaction: {
    table: 'transaction',
    set: `${CHANGES.dim_transaction.transaction_type!.set}, sales_order_id = NULL, purchase_order_id = NULL`,
  },
};
const repeatable = (dimension: Dimension): Change =>
  REPEATABLE[dimension] ?? Object.values(CHANGES[dimension])[0]!;

interface Reached {
  readonly dimension: Dimension;
  /** The dimension keys a source row feeds: SQL over its key, `$1`. */
  readonly keys: string;
}

/** The dimension rows a source row feeds beside its base table's own (one per row). */
const JOINED_REACH: { readonly [S in SourceTableName]?: readonly Reached[] } = {
  address: [
    {
      dimension: 'dim_counterparty',
      keys: 'SELECT counterparty_id FROM counterparty WHERE legal_address_id = $1',
    },
  ],
  department: [
    { dimension: 'dim_staff', keys: 'SELECT staff_id FROM staff WHERE department_id = $1' },
  ],
};

/** The dimension rows (dimension, key) a source row feeds. */
const reachFrom = (table: SourceTableName): readonly Reached[] => [
  ...DIMENSION_NAMES.filter((d) => baseOf(d) === table).map((dimension) => ({
    dimension,
    keys: 'SELECT $1::int',
  })),
  ...(JOINED_REACH[table] ?? []),
];

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  // The smallest seed with a dozen counterparties and staff: every change needs rows of its own.
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.6 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

interface Picked {
  readonly change: Change;
  readonly id: number;
  readonly reached: { dimension: Dimension; key: number }[];
}

async function reachOf(table: SourceTableName, id: number): Promise<Picked['reached']> {
  const reached: Picked['reached'] = [];
  for (const { dimension, keys } of reachFrom(table)) {
    const result = await stack.source.query<{ key: number }>(
      `SELECT k AS key FROM (${keys}) AS r (k)`,
      [id],
    );
    for (const { key } of result.rows) reached.push({ dimension, key });
  }
  return reached;
}

/**
 * The first source row for `change` that feeds a row of `dimension` and whose dimension rows no
 * earlier change of the same test reached (`taken`, "dimension:key"), so each change is the only
 * one its rows see.
 */
async function pick(change: Change, dimension: Dimension, taken: Set<string>): Promise<Picked> {
  const key = SOURCE_TABLES[change.table].primaryKey;
  const candidates = await stack.source.query<{ id: number }>(
    `SELECT ${key} AS id FROM ${change.table} WHERE ${change.where ?? 'true'} ORDER BY ${key}`,
  );
  for (const { id } of candidates.rows) {
    const reached = await reachOf(change.table, id);
    if (
      reached.some((r) => r.dimension === dimension) &&
      reached.every((r) => !taken.has(`${r.dimension}:${r.key}`))
    ) {
      for (const r of reached) taken.add(`${r.dimension}:${r.key}`);
      return { change, id, reached };
    }
  }
  throw new Error(`No ${change.table} row left for the change ${change.set}`);
}

/** One row per dimension, picked one after the other so no two share a dimension row. */
async function pickEach(change: (dimension: Dimension) => Change): Promise<Picked[]> {
  const picked: Picked[] = [];
  const taken = new Set<string>();
  for (const dimension of DIMENSION_NAMES) {
    picked.push(await pick(change(dimension), dimension, taken));
  }
  return picked;
}

/** Applies each change to its row, stamped `at` (the database's now() when omitted). */
async function apply(picked: readonly Picked[], at?: string): Promise<void> {
  const client = await stack.source.connect();
  try {
    await client.query('BEGIN');
    for (const { change, id } of picked) {
      const key = SOURCE_TABLES[change.table].primaryKey;
      const updated = await client.query(
        `UPDATE ${change.table} SET ${change.set}, last_updated = coalesce($2::timestamp, now())
         WHERE ${key} = $1`,
        [id, at ?? null],
      );
      expect(updated.rowCount).toBe(1);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The warehouse rows of one dimension by key, every value as text. */
async function dimensionRows(dimension: Dimension): Promise<Map<number, Record<string, string>>> {
  const { key } = DIMENSIONS[dimension];
  const result = await stack.warehouse.query<Record<string, unknown>>(`SELECT * FROM ${dimension}`);
  return new Map(
    result.rows.map((row) => [
      Number(row[key]),
      Object.fromEntries(Object.entries(row).map(([c, v]) => [c, String(v)])),
    ]),
  );
}

const differing = (before: Record<string, string>, after: Record<string, string>) =>
  Object.keys(after)
    .filter((c) => c !== 'source_updated_at' && c !== 'source_batch_id' && before[c] !== after[c])
    .sort();

async function sourceNow(): Promise<string> {
  const clock = await stack.source.query<{ at: string }>(
    `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS at`,
  );
  return clock.rows[0]!.at;
}

const cycle = () => runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });

describe('a dimension change reaches the warehouse, whichever column it is', () => {
  it('has a change for every value column of every dimension in the catalogue', () => {
    const valueColumns = Object.values(DIMENSIONS)
      .filter((d) => d.name !== 'dim_date')
      .flatMap((d) => d.columns.filter((c) => c.name !== d.key).map((c) => `${d.name}.${c.name}`));
    const covered = Object.entries(CHANGES).flatMap(([dimension, columns]) =>
      Object.keys(columns).map((column) => `${dimension}.${column}`),
    );
    expect(covered.sort()).toEqual(valueColumns.sort());
  });

  it('one cycle with each column changed alone on its own row, then a tie: the warehouse equals the reference', async () => {
    const planned: { dimension: Dimension; column: string; picked: Picked }[] = [];
    const taken = new Set<string>();
    for (const dimension of DIMENSION_NAMES) {
      for (const [column, change] of Object.entries(CHANGES[dimension])) {
        planned.push({ dimension, column, picked: await pick(change, dimension, taken) });
      }
    }
    const before = new Map(
      await Promise.all(DIMENSION_NAMES.map(async (d) => [d, await dimensionRows(d)] as const)),
    );
    const at = await sourceNow();
    await apply(
      planned.map((p) => p.picked),
      at,
    );
    await cycle();

    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    // Each change reached exactly the column it is for, so no other column's update hid it.
    const after = new Map(
      await Promise.all(DIMENSION_NAMES.map(async (d) => [d, await dimensionRows(d)] as const)),
    );
    const reached = planned.flatMap(({ dimension, column, picked }) =>
      picked.reached
        .filter((r) => r.dimension === dimension)
        .map((r) => ({
          row: `${dimension} ${r.key}`,
          columns: differing(before.get(dimension)!.get(r.key)!, after.get(dimension)!.get(r.key)!),
          expected: [column, ...(picked.change.alsoReaches ?? [])].sort(),
        })),
    );
    expect(reached.length).toBeGreaterThanOrEqual(planned.length);
    expect(reached.filter((r) => r.columns.join() !== r.expected.join())).toEqual([]);

    // The same changes again with the same timestamp, in the next batch: a tie, which the
    // later batch wins. Its version equals the stored one, so only the values tell it apart.
    await apply(
      planned.map((p) => p.picked),
      at,
    );
    await cycle();
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('an older batch loaded after a newer one changes nothing', async () => {
    const picked = await pickEach(repeatable);
    const batch = async () => {
      await apply(picked);
      return (await ingestBatch(stack, { logger: silentLogger, overlapSeconds: 300 })).manifestKey;
    };
    const older = await transformBatch(stack, await batch(), silentLogger);
    const newer = await transformBatch(stack, await batch(), silentLogger);
    await loadBatch(stack, newer.manifestKey, silentLogger);
    const late = await loadBatch(stack, older.manifestKey, silentLogger);
    expect(late.skipped).toBe(false);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('a value changed and changed back, the older batch loaded late: the source value stays', async () => {
    const picked = await pickEach(repeatable);
    const original = new Map(
      await Promise.all(
        picked.map(async ({ change, id }) => {
          const key = SOURCE_TABLES[change.table].primaryKey;
          const row = await stack.source.query(`SELECT * FROM ${change.table} WHERE ${key} = $1`, [
            id,
          ]);
          return [`${change.table}:${id}`, row.rows[0] as Record<string, unknown>] as const;
        }),
      ),
    );
    await apply(picked);
    const changed = await ingestBatch(stack, { logger: silentLogger, overlapSeconds: 300 });
    const older = await transformBatch(stack, changed.manifestKey, silentLogger);
    // Back to the original values, with a newer timestamp.
    const client = await stack.source.connect();
    try {
      for (const { change, id } of picked) {
        const key = SOURCE_TABLES[change.table].primaryKey;
        const row = original.get(`${change.table}:${id}`)!;
        const columns = Object.keys(row).filter(
          (c) => c !== key && c !== 'created_at' && c !== 'last_updated',
        );
        await client.query(
          `UPDATE ${change.table} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')},
           last_updated = now() WHERE ${key} = $1`,
          [id, ...columns.map((c) => row[c])],
        );
      }
    } finally {
      client.release();
    }
    const reverted = await ingestBatch(stack, { logger: silentLogger, overlapSeconds: 300 });
    const newer = await transformBatch(stack, reverted.manifestKey, silentLogger);
    await loadBatch(stack, newer.manifestKey, silentLogger);
    await loadBatch(stack, older.manifestKey, silentLogger);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
