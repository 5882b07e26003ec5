import { formatStatusText, formatTableStatus } from '../../../cli/status/format-status-text';
import type { PipelineStatus, TableStatus } from '../../../cli/status/pipeline-status';
import { renderStatusHtml } from '../../../cli/status/render-status-html';
import { SOURCE_TABLE_NAMES } from '../../../lambdas/shared/core/catalogue';

const BATCH = '20261205T100356876Z-5e27b2';
const AT = '2026-12-05T10:03:56.876Z';

function table(overrides: Partial<TableStatus> = {}): TableStatus {
  return {
    watermark: '2026-12-05T10:03:57.208999Z',
    backfill: null,
    lastBatchId: BATCH,
    lastRowsBatchId: BATCH,
    lastRows: 12,
    completeUpTo: '2026-12-05T10:03:57.208999Z',
    freshnessSeconds: 60,
    newestLoadedChange: '2026-12-05T10:03:57.208999Z',
    newestChangeAgeSeconds: 60,
    pause: null,
    schema: null,
    futureStamped: null,
    stages: { ingest: 'success', transform: 'success', load: 'success' },
    ...overrides,
  };
}

/** A local status whose tables are all loaded, `special` set on some of them. */
function status(
  special: Partial<Record<string, Partial<TableStatus>>> = {},
  schemaChanges: PipelineStatus['schemaChanges'] = [],
): PipelineStatus {
  return {
    generatedAt: '2026-12-05T10:24:26.442Z',
    tables: Object.fromEntries(SOURCE_TABLE_NAMES.map((t) => [t, table(special[t])])),
    warehouse: {
      lastLoadedBatchId: BATCH,
      loadedAt: AT,
      completeUpTo: '2026-12-05T10:03:57.208999Z',
      freshnessSeconds: 60,
      newestSourceChange: null,
      newestChangeAgeSeconds: null,
    },
    runs: [],
    failures: [],
    parked: [],
    gaps: [],
    schemaChanges,
    environment: null,
    deadLetters: null,
    alarms: null,
  };
}

const HELD = { deletesHeld: { keys: 6000, share: 1, at: AT } };
const APPLIED = {
  deletesApplied: { batchId: BATCH, table: 'fact_sales_order', rows: 1_203 },
};
const NEW_COLUMN = {
  table: 'staff' as const,
  column: 'nickname',
  change: 'added' as const,
  before: null,
  after: 'text',
  firstSeen: AT,
  stops: false,
};

describe('status shows the deletes and the schema changes', () => {
  it('lists the deletes the guard holds, with count, share, since when and the command', () => {
    const text = formatStatusText(status({ payment: HELD }));
    expect(text.replace(/\n +/g, ' ')).toContain(
      `deletes held by the guard (gone from the source, none landed; check the source):\n  payment: 6,000 keys (100.0% of the warehouse's) since ${AT}: if the deletes are real, deliverance deletes --table payment --confirm`.replace(
        /\n +/g,
        ' ',
      ),
    );
    expect(formatStatusText(status())).not.toContain('deletes held');
    const detail = formatTableStatus(status({ payment: HELD }), 'payment');
    expect(detail).toContain("  deletes held    6,000 keys (100.0% of the warehouse's)");
    expect(detail.replace(/\n +/g, ' ')).toContain(
      'if the deletes are real, deliverance deletes --table payment --confirm',
    );
    expect(formatTableStatus(status({ payment: HELD }), 'staff')).not.toContain('deletes held');
  });

  it('gives the status page a section each for deletes held, deletes applied and schema changes', () => {
    const page = renderStatusHtml(
      status({ payment: HELD, staff: HELD, sales_order: APPLIED }, [NEW_COLUMN]),
    );
    expect(page).toContain('<h2 id="deletes-held">Deletes held by the guard</h2>');
    expect(page).toMatch(
      /<div class="failure" data-table="payment"><b>payment<\/b>: 6,000 keys \(100\.0% of the warehouse&#39;s\) since [^<]*deliverance deletes --table payment --confirm<\/div>/,
    );
    expect(page).toContain('<h2 id="deletes-applied">Deletes applied</h2>');
    expect(page).toContain(
      `<b>sales_order</b>: 1,203 rows of fact_sales_order marked deleted in batch ${BATCH}`,
    );
    expect(page).toContain('<h2 id="schema-changes">');
    expect(page).toMatch(/<div class="gap" data-table="staff"><code>staff\.nickname[^<]*<\/code>/);
    expect(page).toContain('<span class="muted">Tables with deletes held</span><b>2</b>');
    expect(page).toContain('<span class="muted">Schema changes</span><b>1</b>');

    const quiet = renderStatusHtml(status());
    for (const id of ['deletes-held', 'deletes-applied', 'schema-changes'])
      expect(quiet).not.toContain(`id="${id}"`);
    expect(quiet).toContain('<span class="muted">Tables with deletes held</span><b>0</b>');
  });

  it('marks a schema change that stops its table as a failure on the page', () => {
    const page = renderStatusHtml(status({}, [{ ...NEW_COLUMN, stops: true }]));
    expect(page).toMatch(/<div class="failure" data-table="staff"><code>staff\.nickname/);
  });
});
