import { STATE_PREFIX } from '../../contract/key-layout';
import { SOURCE_TABLES, type SourceTableName } from '../shared/core/catalogue';
import { encodeJsonLine, type DecodedRow } from '../shared/core/json-lines';
import type { WarehouseRow } from '../shared/core/warehouse-catalogue';
import type { ObjectStore } from '../shared/ports/object-store';
import { JOINED, joinedTable, SNAPSHOT_TABLES } from './tables/specs';
import type { JoinedSpec } from './tables/spec';

/**
 * The source tables a dimension joins to another (SNAPSHOT_TABLES, from the joined specs):
 * dim_staff needs every staff member of a renamed department, dim_counterparty every
 * counterparty at a changed address, even when those rows are not in the batch. The transform
 * keeps the current version of each of these small tables in the processed bucket
 * (`state/<table>.jsonl`) and merges every batch into it. Merging keeps the newest
 * last_updated per key, so batches may arrive in any order and a batch may be merged twice;
 * the transform runs one at a time (reserved concurrency 1), so the read-modify-write never
 * races.
 */
export type SnapshotTable = SourceTableName;

export function isSnapshotTable(table: SourceTableName): boolean {
  return SNAPSHOT_TABLES.includes(table);
}

export const snapshotKey = (table: SnapshotTable) => `${STATE_PREFIX}${table}.jsonl`;

export type Snapshot = Map<number, DecodedRow>;

const keyOf = (table: SnapshotTable, row: DecodedRow) =>
  row[SOURCE_TABLES[table].primaryKey] as number;

export async function readSnapshot(store: ObjectStore, table: SnapshotTable): Promise<Snapshot> {
  const bytes = await store.getIfExists(snapshotKey(table));
  const snapshot: Snapshot = new Map();
  if (!bytes) return snapshot;
  for (const line of bytes.toString('utf8').split('\n')) {
    if (line.length === 0) continue;
    const row = JSON.parse(line) as DecodedRow;
    snapshot.set(keyOf(table, row), row);
  }
  return snapshot;
}

/**
 * Checks landed rows of a snapshot table before they join their snapshot, as the dimension
 * they feed will read them: staff and counterparty rows joined to the current department and
 * address snapshots, department rows as dim_staff shows them (each joined spec's shape and
 * checkJoined). A bad row then refuses its landing object like a bad row of any table, instead
 * of failing the join for the whole batch — and, once merged, every later batch that touches it.
 *
 * @throws {TransformError} naming the table, the row's key and the column.
 */
export function checkSnapshotRows(
  table: SnapshotTable,
  rows: readonly DecodedRow[],
  snapshots: ReadonlyMap<SnapshotTable, Snapshot>,
): void {
  for (const spec of JOINED) {
    if (spec.from === table) spec.shape(rows, snapshotOf(snapshots, joinedTable(spec)));
    if (joinedTable(spec) === table && spec.checkJoined) rows.forEach(spec.checkJoined);
  }
}

function snapshotOf(snapshots: ReadonlyMap<SnapshotTable, Snapshot>, table: SnapshotTable) {
  return snapshots.get(table) ?? new Map<number, DecodedRow>();
}

/** Merges rows into the snapshot, newest last_updated winning; answers whether it changed. */
export function mergeIntoSnapshot(
  snapshot: Snapshot,
  table: SnapshotTable,
  rows: DecodedRow[],
): boolean {
  let changed = false;
  for (const row of rows) {
    const key = keyOf(table, row);
    const current = snapshot.get(key);
    // On a tie the later batch's row wins, as in the warehouse's upsert; an identical row is
    // no change, so a replayed batch rewrites no snapshot.
    const stamp = row.last_updated as string;
    const held = current?.last_updated as string | undefined;
    if (
      held === undefined ||
      stamp > held ||
      (stamp === held && encodeJsonLine(row) !== encodeJsonLine(current!))
    ) {
      snapshot.set(key, row);
      changed = true;
    }
  }
  return changed;
}

export async function writeSnapshot(
  store: ObjectStore,
  table: SnapshotTable,
  snapshot: Snapshot,
): Promise<void> {
  const body = [...snapshot.values()].map(encodeJsonLine).join('');
  await store.put(snapshotKey(table), body, 'application/x-ndjson');
}

/**
 * The spec's rows for every row touched on either side of its join (`changed`: the keys a batch
 * merged, per table): a department rename reaches all its staff, an address change all
 * counterparties there, though neither is in the batch.
 *
 * @throws {TransformError} for a row the spec's shape refuses.
 */
export function joinedRows(
  spec: JoinedSpec,
  snapshots: ReadonlyMap<SnapshotTable, Snapshot>,
  changed: ReadonlyMap<SnapshotTable, ReadonlySet<number>>,
): WarehouseRow[] {
  const joined = joinedTable(spec);
  const own = changed.get(spec.from) ?? new Set<number>();
  const other = changed.get(joined) ?? new Set<number>();
  const affected = [...snapshotOf(snapshots, spec.from).values()].filter(
    (row) => own.has(keyOf(spec.from, row)) || other.has(row[spec.via] as number),
  );
  return affected.length > 0 ? spec.shape(affected, snapshotOf(snapshots, joined)) : [];
}

/**
 * A batch's view of the snapshots: read once at its start, checked and merged into as its
 * landed objects are read, and the joined dimensions' rows taken from it at its end.
 */
export class BatchSnapshots {
  /** Per table, the keys this batch merged rows for. */
  private readonly changed = new Map<SnapshotTable, Set<number>>();
  /** The tables this batch removed deleted keys from. */
  private readonly forgotten = new Set<SnapshotTable>();

  private constructor(private readonly snapshots: ReadonlyMap<SnapshotTable, Snapshot>) {}

  static async read(store: ObjectStore): Promise<BatchSnapshots> {
    const snapshots = new Map<SnapshotTable, Snapshot>();
    for (const table of SNAPSHOT_TABLES) snapshots.set(table, await readSnapshot(store, table));
    return new BatchSnapshots(snapshots);
  }

  /** @throws {TransformError} for a row the joined dimension it feeds would refuse. */
  check(table: SnapshotTable, rows: readonly DecodedRow[]): void {
    checkSnapshotRows(table, rows, this.snapshots);
  }

  merge(table: SnapshotTable, rows: DecodedRow[]): void {
    mergeIntoSnapshot(snapshotOf(this.snapshots, table), table, rows);
    const keys = this.changed.get(table) ?? new Set<number>();
    for (const row of rows) keys.add(keyOf(table, row));
    this.changed.set(table, keys);
  }

  /** Removes keys the source deleted: no later join brings their rows back. */
  forget(table: SnapshotTable, keys: readonly number[]): void {
    const snapshot = snapshotOf(this.snapshots, table);
    for (const key of keys) if (snapshot.delete(key)) this.forgotten.add(table);
  }

  joinedRows(spec: JoinedSpec) {
    return joinedRows(spec, this.snapshots, this.changed);
  }

  /** Writes back the snapshots this batch merged rows into or removed keys from. */
  async writeChanged(store: ObjectStore): Promise<void> {
    for (const table of SNAPSHOT_TABLES) {
      if (this.changed.has(table) || this.forgotten.has(table))
        await writeSnapshot(store, table, snapshotOf(this.snapshots, table));
    }
  }
}
