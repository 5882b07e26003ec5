import { writeFile } from 'node:fs/promises';
import { collectAnalytics } from '../analytics/analytics-report';
import { formatAnalyticsText } from '../analytics/format-analytics-text';
import { renderAnalyticsHtml } from '../analytics/render-analytics-html';
import { openEnvironment } from '../environment';
import { readSettings } from '../settings';

const UNDEFINED_TABLE = '42P01';

export interface AnalyticsCommandOptions {
  readonly html?: string;
  readonly json?: boolean;
}

/**
 * `deliverance analytics [--html FILE | --json]`: the analyst views' answers, as text, as a
 * page or as JSON.
 */
export async function analyticsCommand(options: AnalyticsCommandOptions): Promise<number> {
  const environment = await openEnvironment(readSettings(), {
    s3: false,
    command: 'analytics',
    readOnly: true,
  });
  try {
    const report = await collectAnalytics(environment.warehouse).catch((error: unknown) => {
      if ((error as { code?: string }).code === UNDEFINED_TABLE) {
        throw new Error(
          `The warehouse has no analytics views yet (${(error as Error).message}): run "deliverance run" first`,
          { cause: error },
        );
      }
      throw error;
    });
    if (options.html) {
      await writeFile(options.html, renderAnalyticsHtml(report));
      console.error(`deliverance: analytics page written to ${options.html}`);
    } else if (options.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(formatAnalyticsText(report));
    }
    return 0;
  } finally {
    await environment.stop();
  }
}
