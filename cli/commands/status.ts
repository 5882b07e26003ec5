import { writeFile } from 'node:fs/promises';
import { NoStateError, openEnvironment } from '../environment';
import { EXIT } from '../exit-codes';
import { readSettings } from '../settings';
import { formatStatusText, formatTableStatus } from '../status/format-status-text';
import { collectStatus, localStatusSources, type PipelineStatus } from '../status/pipeline-status';
import { renderStatusHtml } from '../status/render-status-html';
import { statusAttention } from '../status/status-attention';
import { loadModule } from '../load-module';
import type * as DeployedStackModule from '../remote/deployed-stack';
import type * as RemoteStatusModule from '../remote/remote-status';

export interface StatusCommandOptions {
  readonly env: string | undefined;
  readonly limit?: number;
  readonly json?: boolean;
  readonly html?: string;
  /** Every column in full (wider than 100 columns). */
  readonly wide?: boolean;
  /** One source table in detail (the command line checks it names one). */
  readonly table?: string;
}

/**
 * `deliverance status [--env NAME] [--limit N] [--json] [--html FILE]`: exit 0 when all is
 * well, 3 when something needs attention (statusAttention) or there is no state yet.
 */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const limit = options.limit ?? 10;
  if (options.env !== undefined) {
    // The AWS clients load only for a deployed stack.
    const { openDeployedStack } = loadModule<typeof DeployedStackModule>(
      __filename,
      '../remote/deployed-stack',
    );
    const { remoteStatusSources } = loadModule<typeof RemoteStatusModule>(
      __filename,
      '../remote/remote-status',
    );
    const stack = await openDeployedStack(options.env);
    try {
      return await report(await collectStatus(remoteStatusSources(stack), { limit }), options);
    } finally {
      stack.close();
    }
  }
  const settings = readSettings();
  const environment = await openEnvironment(settings, {
    s3: true,
    command: 'status',
    readOnly: true,
  }).catch((error: unknown) => {
    if (error instanceof NoStateError) return error;
    throw error;
  });
  if (environment instanceof NoStateError) {
    console.log(
      options.json
        ? JSON.stringify(
            { stateDir: settings.stateDir, state: null, attention: [environment.message] },
            null,
            2,
          )
        : environment.message,
    );
    return EXIT.attention;
  }
  try {
    const status = await collectStatus(localStatusSources(environment), { limit });
    return await report(status, options, settings.stateDir);
  } finally {
    await environment.stop();
  }
}

async function report(
  status: PipelineStatus,
  options: StatusCommandOptions,
  stateDir?: string,
): Promise<number> {
  const attention = statusAttention(status);
  if (options.html) {
    await writeFile(options.html, renderStatusHtml(status));
    console.error(`deliverance: status report written to ${options.html}`);
  }
  if (options.json) {
    console.log(
      JSON.stringify({ ...(stateDir ? { stateDir } : {}), ...status, attention }, null, 2),
    );
  } else {
    if (options.table !== undefined) console.log(formatTableStatus(status, options.table));
    else {
      console.log(
        formatStatusText(status, { wide: options.wide ?? false, colour: colourOnStdout() }),
      );
    }
    if (attention.length > 0) console.log(`\nNeeds attention: ${attention.join('; ')}`);
  }
  return attention.length > 0 ? EXIT.attention : 0;
}

/** Colours only for a terminal, and never when NO_COLOR is set (no-color.org). */
function colourOnStdout(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
