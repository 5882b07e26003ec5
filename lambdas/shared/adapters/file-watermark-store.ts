import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OperatedWatermarkStore } from '../ports/watermark-store';
import { pendingSchemaChangesOf, type PendingSchemaChange } from '../core/schema-changes';
import type { DeletesState, DeletesStateStore } from '../ports/deletes-state-store';
import {
  DELETES_STATE_TOO_LARGE,
  refuseOversizedState,
  SCHEMA_CHANGES_TOO_LARGE,
} from '../core/state-size';
import { zoneOffsetsOf } from '../core/zone-offsets';

/**
 * Watermarks in one JSON file under the local state folder, the paused tables in
 * `paused-tables.json` beside it, the source's UTC offset each was read at in `source-zone.json`,
 * the schema changes the last ingest found in `schema-changes.json`, and the deletes reconciliation's
 * state in `deletes.json`. Writes go to a temporary file that is renamed over the old
 * one, so a crash never leaves a half-written file. The schema changes and the deletes state
 * keep the 4 KB their SSM parameters hold deployed (core/state-size.ts).
 */
export class FileWatermarkStore implements OperatedWatermarkStore, DeletesStateStore {
  private readonly pausedPath: string;
  private readonly zonePath: string;
  private readonly schemaPath: string;
  private readonly deletesPath: string;

  constructor(private readonly path: string) {
    this.pausedPath = join(dirname(path), 'paused-tables.json');
    this.zonePath = join(dirname(path), 'source-zone.json');
    this.schemaPath = join(dirname(path), 'schema-changes.json');
    this.deletesPath = join(dirname(path), 'deletes.json');
  }

  private async readAll(): Promise<Record<string, string>> {
    return (await readJson<Record<string, string>>(this.path)) ?? {};
  }

  locate(table: string): string {
    return `"${table}" in ${this.path}`;
  }

  locatePaused(): string {
    return this.pausedPath;
  }

  async read(table: string): Promise<string | undefined> {
    return (await this.readAll())[table];
  }

  async write(table: string, watermark: string): Promise<void> {
    const all = await this.readAll();
    all[table] = watermark;
    await writeJson(this.path, all);
  }

  async remove(table: string): Promise<void> {
    const all = await this.readAll();
    delete all[table];
    await writeJson(this.path, all);
  }

  async paused(): Promise<readonly string[]> {
    return (await readJson<string[]>(this.pausedPath)) ?? [];
  }

  setPaused(tables: readonly string[]): Promise<void> {
    return writeJson(this.pausedPath, tables);
  }

  async zoneOffsets(): Promise<Readonly<Record<string, number>>> {
    const offsets = await readJson<unknown>(this.zonePath);
    return offsets === undefined ? {} : zoneOffsetsOf(JSON.stringify(offsets), this.zonePath);
  }

  setZoneOffsets(offsets: Readonly<Record<string, number>>): Promise<void> {
    return writeJson(this.zonePath, offsets);
  }

  async schemaChanges(): Promise<readonly PendingSchemaChange[]> {
    const changes = await readJson<unknown>(this.schemaPath);
    return changes === undefined
      ? []
      : pendingSchemaChangesOf(JSON.stringify(changes), this.schemaPath);
  }

  async setSchemaChanges(changes: readonly PendingSchemaChange[]): Promise<void> {
    refuseOversizedState(this.schemaPath, JSON.stringify(changes), SCHEMA_CHANGES_TOO_LARGE);
    await writeJson(this.schemaPath, changes);
  }

  async deletesState(): Promise<DeletesState> {
    return (await readJson<DeletesState>(this.deletesPath)) ?? {};
  }

  async setDeletesState(state: DeletesState): Promise<void> {
    refuseOversizedState(this.deletesPath, JSON.stringify(state), DELETES_STATE_TOO_LARGE);
    await writeJson(this.deletesPath, state);
  }

  locateDeletesState(): string {
    return this.deletesPath;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 2) + '\n');
  await rename(temporary, path);
}
