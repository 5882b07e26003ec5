import { formatTable } from '../table-format';
import type { AnalyticsReport } from './analytics-report';
import { columnLabel } from './render-analytics-html';

/** Rows per view in the terminal; the page and the views have the rest. */
export const TEXT_ROWS = 10;

/**
 * The text of `deliverance analytics` without `--html`: each question with the largest rows of
 * its view, in the order of the visual specs.
 */
export function formatAnalyticsText(report: AnalyticsReport): string {
  return report.views
    .map(({ view, rows, totalRows }) => {
      const shown = rows.slice(0, TEXT_ROWS);
      const more =
        totalRows > shown.length
          ? `\n  … ${totalRows - shown.length} more rows in analytics.${view.name}`
          : '';
      const body =
        shown.length === 0
          ? '  No rows yet.'
          : formatTable(view.table.map(columnLabel), shown).replace(/^/gm, '  ');
      return `${view.title} — ${view.question}\n${body}${more}`;
    })
    .join('\n\n');
}
