import { writeFile } from 'node:fs/promises';
import { openEnvironment } from '../environment';
import { readSettings, UsageError } from '../settings';
import { formatStatusText } from '../status/format-status-text';
import { openDeployedStack } from '../remote/deployed-stack';
import { remoteStatusSources } from '../remote/remote-status';
import { collectStatus, localStatusSources, type PipelineStatus } from '../status/pipeline-status';
import { renderStatusHtml } from '../status/render-status-html';

export interface StatusCommandOptions {
  readonly env: string | undefined;
  readonly limit: string | undefined;
  readonly json: boolean | undefined;
  readonly html: string | undefined;
}

/** `deliverance status [--env NAME] [--limit N] [--json] [--html FILE]`. */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const limit = options.limit === undefined ? 10 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a positive whole number of runs, not ${options.limit}`);
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
  console.log(options.json ? JSON.stringify(status, null, 2) : formatStatusText(status));
  return 0;
}
