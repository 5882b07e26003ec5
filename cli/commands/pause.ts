import { pausedPlan } from '../../lambdas/ingest/paused-tables';
import { isSourceTableName, SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import type { OperatedWatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { localWatermarkStore } from '../../local/pipeline-context';
import { withStateFolder } from '../environment';
import { openDeployedStack } from '../remote/deployed-stack';
import { readSettings, UsageError } from '../settings';

export interface TableCommandOptions {
  readonly env: string | undefined;
  readonly table: string | undefined;
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
    console.log(
      `${table} is paused: ingest leaves it and its watermark (${(await store.read(table)) ?? 'none yet'}) as they are` +
        `${held.length > 0 ? `, and holds the tables after it in foreign-key order (${held.join(', ')})` : ''}` +
        ` until deliverance resume --table ${table}${where}`,
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
      console.log(`${table} was not paused (paused: ${paused.join(', ') || 'none'})`);
      return 0;
    }
    const rest = paused.filter((t) => t !== table);
    await store.setPaused(rest);
    const { held } = pausedPlan(SOURCE_TABLE_NAMES, rest);
    console.log(
      `${table} is resumed: the next ingest reads it from its watermark (${(await store.read(table)) ?? 'none yet: the whole table'})` +
        `${held.includes(table as never) ? `, once the tables it follows are resumed too (paused: ${rest.join(', ')})` : ''}`,
    );
    return 0;
  });
}
