import { pausedPlan } from '../../lambdas/ingest/paused-tables';
import { isSourceTableName, SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import type { OperatedWatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { localWatermarkStore } from '../../local/pipeline-context';
import { withStateFolder } from '../environment';
import { readSettings, UsageError } from '../settings';
import { loadModule } from '../load-module';
import type * as DeployedStackModule from '../remote/deployed-stack';

export interface TableCommandOptions {
  readonly env: string | undefined;
  readonly table?: string;
  readonly json?: boolean;
}

/**
 * A table command's outcome: its sentence, or with --json the facts it states, and where
 * (the deployed environment, or the state folder).
 */
export function tableReport(
  options: { env: string | undefined; json?: boolean },
  text: string,
  facts: Record<string, unknown>,
): void {
  const where =
    options.env === undefined
      ? { stateDir: readSettings().stateDir }
      : { environment: options.env };
  console.log(options.json ? JSON.stringify({ ...where, ...facts }, null, 2) : text);
}

/** The table a command names, checked against the catalogue. */
export function tableOption(command: string, table: string | undefined): string {
  if (!table || !isSourceTableName(table)) {
    throw new UsageError(
      `${command} needs --table with a source table: ${SOURCE_TABLE_NAMES.join(', ')}${table ? ` (not ${JSON.stringify(table)})` : ''}`,
    );
  }
  return table;
}

/**
 * The watermark store a table command changes: the deployed stack's SSM parameters with
 * `--env`, else the state folder's, held by `command` meanwhile.
 */
export async function withWatermarks<T>(
  env: string | undefined,
  command: string,
  use: (store: OperatedWatermarkStore, where: string) => Promise<T>,
): Promise<T> {
  if (env === undefined) {
    const { stateDir } = readSettings();
    return withStateFolder(stateDir, command, () => use(localWatermarkStore(stateDir), ''));
  }
  const { openDeployedStack } = loadModule<typeof DeployedStackModule>(
    __filename,
    '../remote/deployed-stack',
  );
  const stack = await openDeployedStack(env);
  try {
    return await use(stack.watermarks, ` --env ${env}`);
  } finally {
    stack.close();
  }
}

/** `deliverance pause --table T [--env NAME]`. */
export async function pauseCommand(options: TableCommandOptions): Promise<number> {
  const table = tableOption('pause', options.table);
  return withWatermarks(options.env, 'pause', async (store, where) => {
    const paused = await store.paused();
    if (!paused.includes(table)) await store.setPaused([...paused, table]);
    const { held } = pausedPlan(SOURCE_TABLE_NAMES, [...paused, table]);
    const watermark = (await store.read(table)) ?? null;
    tableReport(
      options,
      `${table} is paused: ingest leaves it and its watermark (${watermark ?? 'none yet'}) as they are` +
        `${held.length > 0 ? `, and holds the tables after it in foreign-key order (${held.join(', ')})` : ''}` +
        ` until deliverance resume --table ${table}${where}`,
      { table, paused: [...new Set([...paused, table])], held, watermark },
    );
    return 0;
  });
}

/** `deliverance resume --table T [--env NAME]`. */
export async function resumeCommand(options: TableCommandOptions): Promise<number> {
  const table = tableOption('resume', options.table);
  return withWatermarks(options.env, 'resume', async (store) => {
    const paused = await store.paused();
    if (!paused.includes(table)) {
      tableReport(options, `${table} was not paused (paused: ${paused.join(', ') || 'none'})`, {
        table,
        wasPaused: false,
        paused,
      });
      return 0;
    }
    const rest = paused.filter((t) => t !== table);
    await store.setPaused(rest);
    const { held } = pausedPlan(SOURCE_TABLE_NAMES, rest);
    const watermark = (await store.read(table)) ?? null;
    const stillHeld = held.includes(table as never);
    tableReport(
      options,
      `${table} is resumed: the next ingest reads it from its watermark (${watermark ?? 'none yet: the whole table'})` +
        `${stillHeld ? `, once the tables it follows are resumed too (paused: ${rest.join(', ')})` : ''}`,
      { table, wasPaused: true, paused: rest, held, watermark },
    );
    return 0;
  });
}
