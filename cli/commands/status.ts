import { writeFile } from 'node:fs/promises';
import { openEnvironment } from '../environment';
import { readSettings, UsageError } from '../settings';
import { formatStatusText } from '../status/format-status-text';
import { collectStatus } from '../status/pipeline-status';
import { renderStatusHtml } from '../status/render-status-html';

export interface StatusCommandOptions {
  readonly limit: string | undefined;
  readonly json: boolean | undefined;
  readonly html: string | undefined;
}

/** `deliverance status [--limit N] [--json] [--html FILE]`. */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const limit = options.limit === undefined ? 10 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a positive whole number of runs, not ${options.limit}`);
  }
  const environment = await openEnvironment(readSettings());
  try {
    const status = await collectStatus(environment, { limit });
    if (options.html) {
      await writeFile(options.html, renderStatusHtml(status));
      console.error(`deliverance: status report written to ${options.html}`);
    }
    console.log(options.json ? JSON.stringify(status, null, 2) : formatStatusText(status));
    return 0;
  } finally {
    await environment.stop();
  }
}
