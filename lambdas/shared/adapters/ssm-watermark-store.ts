import { DeleteParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { pausedTablesParameterName } from '../../../contract/operations';
import {
  DELETES_STATE_PARAMETER,
  SCHEMA_CHANGES_PARAMETER,
  SOURCE_ZONE_PARAMETER,
} from '../../../contract/stage-access';
import { ConfigurationError, PipelineError, TransientError } from '../core/pipeline-error';
import { pendingSchemaChangesOf, type PendingSchemaChange } from '../core/schema-changes';
import {
  DELETES_STATE_TOO_LARGE,
  refuseOversizedState,
  SCHEMA_CHANGES_TOO_LARGE,
} from '../core/state-size';
import { zoneOffsetsOf } from '../core/zone-offsets';
import { failFastClient } from './fail-fast-client';
import type { OperatedWatermarkStore } from '../ports/watermark-store';
import type { DeletesState, DeletesStateStore } from '../ports/deletes-state-store';

/**
 * Watermarks in SSM Parameter Store, one String parameter per table:
 * `<prefix>/watermarks/<table>` (for example `/deliverance/prod/watermarks/sales_order`), and
 * the tables an operator paused as a JSON array in `<prefix>/paused-tables` (absent: none), and
 * the source's UTC offset each watermark was read at in `<prefix>/source-zone`, the schema
 * changes the last ingest found standing in `<prefix>/schema-changes`, and the deletes
 * reconciliation's state as a JSON object in `<prefix>/deletes`.
 * One parameter per table lets tables advance independently (per-table schedules) and lets
 * IAM grant the ingest function exactly the parameters under its prefix.
 * Reads bypass the Powertools cache: a stale watermark would re-read or skip a window. Each is a
 * Standard parameter: a value past its 4 KB is refused before the write (core/state-size.ts).
 */
export class SsmWatermarkStore implements OperatedWatermarkStore, DeletesStateStore {
  private readonly provider: SSMProvider;
  private readonly client: SSMClient;

  constructor(
    private readonly prefix: string,
    client: SSMClient = failFastClient('SSM', (timeouts) => new SSMClient({ ...timeouts })),
  ) {
    this.provider = new SSMProvider({ awsSdkV3Client: client });
    this.client = client;
  }

  parameterName(table: string): string {
    return `${this.prefix.replace(/\/$/, '')}/watermarks/${table}`;
  }

  locate(table: string): string {
    return `the SSM parameter ${this.parameterName(table)}`;
  }

  locatePaused(): string {
    return `the SSM parameter ${pausedTablesParameterName(this.prefix)}`;
  }

  read(table: string): Promise<string | undefined> {
    return this.get(this.parameterName(table), `the watermark of ${table}`);
  }

  write(table: string, watermark: string): Promise<void> {
    return this.set(this.parameterName(table), watermark, `the watermark of ${table}`);
  }

  async paused(): Promise<readonly string[]> {
    const name = pausedTablesParameterName(this.prefix);
    const value = await this.get(name, 'the paused tables');
    if (value === undefined) return [];
    const tables = parseJson(value);
    if (!Array.isArray(tables) || !tables.every((t) => typeof t === 'string')) {
      throw new ConfigurationError(
        `SSM parameter ${name} is not a JSON array of table names: resume every table with deliverance resume, or set it to []`,
      );
    }
    return tables as string[];
  }

  async zoneOffsets(): Promise<Readonly<Record<string, number>>> {
    const value = await this.get(this.zoneParameterName(), 'the source zone offsets');
    return value === undefined
      ? {}
      : zoneOffsetsOf(value, `SSM parameter ${this.zoneParameterName()}`);
  }

  setZoneOffsets(offsets: Readonly<Record<string, number>>): Promise<void> {
    return this.set(this.zoneParameterName(), JSON.stringify(offsets), 'the source zone offsets');
  }

  async schemaChanges(): Promise<readonly PendingSchemaChange[]> {
    const name = this.schemaChangesParameterName();
    const value = await this.get(name, 'the pending schema changes');
    return value === undefined ? [] : pendingSchemaChangesOf(value, `SSM parameter ${name}`);
  }

  setSchemaChanges(changes: readonly PendingSchemaChange[]): Promise<void> {
    const name = this.schemaChangesParameterName();
    return this.set(
      name,
      JSON.stringify(changes),
      'the pending schema changes',
      SCHEMA_CHANGES_TOO_LARGE,
    );
  }

  private schemaChangesParameterName(): string {
    return `${this.prefix.replace(/\/$/, '')}/${SCHEMA_CHANGES_PARAMETER}`;
  }

  async deletesState(): Promise<DeletesState> {
    const name = this.deletesParameterName();
    const value = await this.get(name, 'the deletes state');
    if (value === undefined) return {};
    const state = parseJson(value);
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new ConfigurationError(
        `SSM parameter ${name} is not a JSON object of tables: delete it, and every table is reconciled on the next run`,
      );
    }
    return state as DeletesState;
  }

  setDeletesState(state: DeletesState): Promise<void> {
    return this.set(
      this.deletesParameterName(),
      JSON.stringify(state),
      'the deletes state',
      DELETES_STATE_TOO_LARGE,
    );
  }

  locateDeletesState(): string {
    return `the SSM parameter ${this.deletesParameterName()}`;
  }

  private deletesParameterName(): string {
    return `${this.prefix.replace(/\/$/, '')}/${DELETES_STATE_PARAMETER}`;
  }

  private zoneParameterName(): string {
    return `${this.prefix.replace(/\/$/, '')}/${SOURCE_ZONE_PARAMETER}`;
  }

  setPaused(tables: readonly string[]): Promise<void> {
    const name = pausedTablesParameterName(this.prefix);
    return this.set(name, JSON.stringify(tables), 'the paused tables');
  }

  async remove(table: string): Promise<void> {
    try {
      await this.client.send(new DeleteParameterCommand({ Name: this.parameterName(table) }));
    } catch (error) {
      if (isParameterNotFound(error)) return;
      throw new TransientError(
        `Could not delete the watermark of ${table}, SSM parameter ${this.parameterName(table)}: ${rootCause(error)}`,
        { cause: error },
      );
    }
  }

  private async get(name: string, what: string): Promise<string | undefined> {
    try {
      return await this.provider.get(name, { forceFetch: true });
    } catch (error) {
      if (isParameterNotFound(error)) return undefined;
      throw new TransientError(
        `Could not read ${what} from SSM parameter ${name}: ${rootCause(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  private async set(
    name: string,
    value: string,
    what: string,
    todo = `Deliverance never writes that much to ${what}: report it as a bug`,
  ): Promise<void> {
    refuseOversizedState(`SSM parameter ${name}`, value, todo);
    try {
      await this.provider.set(name, { value, overwrite: true });
    } catch (error) {
      throw new TransientError(
        `Could not write ${what} to SSM parameter ${name}: ${rootCause(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}

/** The value as JSON, or undefined when it is not JSON at all (refused as the caller says). */
function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function isParameterNotFound(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'ParameterNotFound') return true;
  }
  return false;
}

/**
 * Powertools wraps SDK errors; the operator needs the SDK's own words (AccessDenied, …), or ours
 * when we already named what failed (an unreachable service).
 */
function rootCause(error: unknown): string {
  let e = error as { message?: string; cause?: unknown };
  while (!(e instanceof PipelineError) && e.cause && typeof e.cause === 'object') {
    e = e.cause as typeof e;
  }
  return e.message ?? String(e);
}
