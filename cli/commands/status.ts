import { writeFile } from 'node:fs/promises';
import { openEnvironment } from '../environment';
import { readSettings, UsageError } from '../settings';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { formatStatusText, formatTableStatus } from '../status/format-status-text';
import { openDeployedStack } from '../remote/deployed-stack';
import { remoteStatusSources } from '../remote/remote-status';
import { collectStatus, localStatusSources, type PipelineStatus } from '../status/pipeline-status';
import { renderStatusHtml } from '../status/render-status-html';

export interface StatusCommandOptions {
  readonly env: string | undefined;
  readonly limit: string | undefined;
  readonly json: boolean | undefined;
  readonly html: string | undefined;
  /** Every column in full (wider than 100 columns). */
  readonly wide?: boolean | undefined;
  /** One source table in detail. */
  readonly table?: string | undefined;
}

/** `deliverance status [--env NAME] [--limit N] [--json] [--html FILE]`. */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const limit = options.limit === undefined ? 10 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a positive whole number of runs, not ${options.limit}`);
  }
  if (
    options.table !== undefined &&
    !(SOURCE_TABLE_NAMES as readonly string[]).includes(options.table)
  ) {
    throw new UsageError(
      `status --table must name a source table (${SOURCE_TABLE_NAMES.join(', ')}), not ${JSON.stringify(options.table)}`,
    );
  }
  if (options.env !== undefined) {
    const stack = await openDeployedStack(options.env);
    try {
      return await report(await collectStatus(remoteStatusSources(stack), { limit }), options);
    } finally {
      stack.close();
    }
  }
  const environment = await openEnvironment(readSettings(), {
    s3: true,
    command: 'status',
    readOnly: true,
  });
  try {
    return await report(await collectStatus(localStatusSources(environment), { limit }), options);
  } finally {
    await environment.stop();
  }
}

async function report(status: PipelineStatus, options: StatusCommandOptions): Promise<number> {
  if (options.html) {
    await writeFile(options.html, renderStatusHtml(status));
    console.error(`deliverance: status report written to ${options.html}`);
  }
  if (options.json) console.log(JSON.stringify(status, null, 2));
  else if (options.table !== undefined) console.log(formatTableStatus(status, options.table));
  else {
    console.log(
      formatStatusText(status, { wide: options.wide ?? false, colour: colourOnStdout() }),
    );
  }
  return 0;
}

/** Colours only for a terminal, and never when NO_COLOR is set (no-color.org). */
function colourOnStdout(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
