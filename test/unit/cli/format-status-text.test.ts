import { SOURCE_TABLE_NAMES } from '../../../lambdas/shared/core/catalogue';
import {
  agoText,
  formatStatusText,
  formatTableStatus,
  wrapText,
} from '../../../cli/status/format-status-text';
import {
  watermarkText,
  type BatchRun,
  type PipelineStatus,
  type StageRun,
  type TableStatus,
} from '../../../cli/status/pipeline-status';

const BATCH = '20261205T100356876Z-5e27b2';
const OLDER = '20261204T100356876Z-a1b2c3';
const stage = (state: StageRun['state'], seconds: number | null, extra = {}): StageRun => ({
  state,
  startedAt: '2026-12-05T10:03:56.876Z',
  finishedAt: '2026-12-05T10:04:56.876Z',
  seconds,
  rows: state === 'success' ? 1_234_567 : null,
  error: state === 'error' ? 'boom' : null,
  ...extra,
});

function table(overrides: Partial<TableStatus> = {}): TableStatus {
  return {
    watermark: '2026-12-05T10:03:57.208999Z',
    backfill: null,
    lastBatchId: BATCH,
    lastRowsBatchId: BATCH,
    lastRows: 1_234_567,
    completeUpTo: '2026-12-05T10:03:57.208999Z',
    freshnessSeconds: 93_784,
    newestLoadedChange: '2022-10-01T00:00:00.000000Z',
    newestChangeAgeSeconds: 129_000_000,
    pause: null,
    schema: null,
    futureStamped: null,
    stages: { ingest: 'success', transform: 'pending', load: 'none' },
    ...overrides,
  };
}

const LONG_ERROR =
  'Reconciliation failed for fact_sales_order in batch 20261205T100356876Z-5e27b2: landing held 500,000 rows of sales_order, processed 499,998 and set aside 0: replay --batch 20261205T100356876Z-5e27b2 --stage transform --force';

/** A deployed stack's status with every section filled, the widest values each can hold. */
const STATUS: PipelineStatus = {
  generatedAt: '2026-12-05T10:24:26.442Z',
  tables: Object.fromEntries(
    SOURCE_TABLE_NAMES.map((name, i) => [
      name,
      i === 0
        ? table({
            backfill: {
              after: '2026-12-01T00:00:00.000000Z',
              until: '2026-12-05T10:00:00.000000Z',
              rowsBehind: 12_345_678,
              rowsBehindEstimated: true,
              secondsLeft: 4000,
            },
          })
        : i === 1
          ? table({ pause: 'paused' })
          : i === 2
            ? table({ pause: 'held', stages: { ingest: 'error', transform: 'none', load: 'none' } })
            : name === 'sales_order'
              ? table({
                  deletesApplied: { batchId: BATCH, table: 'fact_sales_order', rows: 1_203 },
                })
              : table(),
    ]),
  ),
  warehouse: {
    lastLoadedBatchId: BATCH,
    loadedAt: '2026-12-05T10:03:59.922Z',
    completeUpTo: '2026-12-05T10:03:57.208999Z',
    freshnessSeconds: 1229,
    newestSourceChange: '2025-11-01T00:00:00.000000Z',
    newestChangeAgeSeconds: 34_560_000,
  },
  runs: [
    {
      batchId: BATCH,
      stages: {
        ingest: stage('success', 3725),
        transform: stage('success', 61, { setAside: 12_345 }),
        load: stage('error', 2),
      },
      replays: [{ stage: 'transform', ...stage('success', 3) }],
    } satisfies BatchRun,
    {
      batchId: OLDER,
      stages: {
        ingest: stage('success', 1.2),
        transform: stage('running', null),
        load: stage('none', null),
      },
      replays: [],
    },
  ],
  failures: [
    {
      batchId: BATCH,
      stage: 'load',
      at: '2026-12-05T10:04:56.876Z',
      error: LONG_ERROR,
      resolvedAt: null,
      resolvedBy: null,
    },
    {
      batchId: OLDER,
      stage: 'ingest',
      at: '2026-12-04T10:04:56.876Z',
      error: 'short',
      resolvedAt: '2026-12-04T10:09:56.876Z',
      resolvedBy: BATCH,
    },
  ],
  parked: [
    {
      batchId: OLDER,
      stage: 'transform',
      bucket: 'deliverance-prod-landing-123456789012-eu-west-2',
      key: `sales_order/${OLDER}.jsonl`,
      at: '2026-12-04T10:04:56.876Z',
      error: `Batch ${OLDER} parked at transform: s3://deliverance-prod-landing-123456789012-eu-west-2/sales_order/${OLDER}.jsonl does not exist (NoSuchKey)`,
    },
  ],
  gaps: [{ batchId: OLDER, missing: 'load', laterBatchId: BATCH }],
  schemaChanges: [
    {
      table: 'payment',
      column: 'company_ac_number',
      change: 'retyped',
      before: 'integer',
      after: 'character varying(20)',
      firstSeen: '2026-12-05T10:03:56.876Z',
      stops: true,
    },
  ],
  environment: 'prod',
  deadLetters: [
    { name: 'ingest', messages: 0 },
    { name: 'ingest-schedule', messages: 12_000 },
    { name: 'transform', messages: 3 },
    { name: 'load', messages: 1 },
  ],
  alarms: [
    {
      name: 'deliverance-prod-load-errors',
      state: 'ALARM',
      since: '2026-12-05T10:05:00.000Z',
      reason:
        'Threshold Crossed: 2 out of the last 3 datapoints [1.0 (05/12/26 10:00:00), 1.0 (05/12/26 09:55:00)] were greater than or equal to the threshold (1.0)',
    },
  ],
};

const widest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('status as text', () => {
  it('fits 100 columns with every section filled', () => {
    const text = formatStatusText(STATUS);
    expect(widest(text)).toBeLessThanOrEqual(100);
    // Nothing is lost to the width: the long messages are wrapped, not cut.
    const joined = text.replace(/\n +/g, ' ');
    expect(joined).toContain(LONG_ERROR);
    expect(joined).toContain('2 out of the last 3 datapoints');
    expect(text).toMatch(/^address: backfill: about 12,345,678 rows behind, about 67 min left/m);
    expect(text).toContain(
      `  sales_order: 1,203 rows of fact_sales_order marked deleted in batch ${BATCH}`,
    );
  });

  it('says "about" before the rows behind only where they are the planner’s estimate', () => {
    const after = '2026-12-01T00:00:00.000000Z';
    const backfill = { after, until: after, rowsBehind: 1_200, secondsLeft: null };
    const text = (rowsBehindEstimated: boolean) =>
      watermarkText(table({ backfill: { ...backfill, rowsBehindEstimated } }));
    expect(text(true)).toBe(`backfill: about 1,200 rows behind (landed up to ${after})`);
    expect(text(false)).toBe(`backfill: 1,200 rows behind (landed up to ${after})`);
  });

  it('shows rows with thousands separators, ages with "ago", and one word per table state', () => {
    const text = formatStatusText(STATUS);
    const rows = text.split('\n');
    const line = (name: string) => rows.find((l) => l.startsWith(`${name} `)) ?? '';
    expect(line('sales_order')).toMatch(
      /^sales_order\s+2026-12-05 10:03:57\s+1,234,567\s+26 h 3 m ago\s+1493 d 1 h ago\s+transform pending$/,
    );
    expect(line(SOURCE_TABLE_NAMES[0]!)).toMatch(/\sbackfilling\s/);
    expect(line(SOURCE_TABLE_NAMES[1]!)).toMatch(/\spaused$/);
    expect(line(SOURCE_TABLE_NAMES[2]!)).toMatch(/\sheld \(paused\)$/);
    expect(text).toMatch(
      /^20261205T100356876Z-5e27b2 +1 h 2 m +1 m 1 s +error +1,234,567 +12,345$/m,
    );
    expect(text).toContain('ingest-schedule 12,000');
  });

  it('lists a failure a later run made good apart, with when and by which batch, and a replay beside the original run', () => {
    const text = formatStatusText(STATUS);
    expect(text).toContain('failures (1):');
    expect(text).toContain(
      `resolved failures (1), made good by a later run:\n  ${OLDER} ingest at 2026-12-04T10:04:56.876Z:\n    resolved at 2026-12-04T10:09:56.876Z by batch ${BATCH}: short`,
    );
    expect(text).toContain(
      `  replayed: ${BATCH} transform at 2026-12-05T10:03:56.876Z, success 3.00 s`,
    );
  });

  it('shows every column in full with --wide, wider than 100 columns', () => {
    const text = formatStatusText(STATUS, { wide: true });
    expect(widest(text)).toBeGreaterThan(100);
    expect(text).toContain('2026-12-05T10:03:57.208999Z (26 h 3 m ago)');
    expect(text).toContain('success 1 m 1 s, 12,345 row(s) set aside');
  });

  it('colours states only when asked, and never a column out of line', () => {
    expect(formatStatusText(STATUS)).not.toContain('\x1b');
    const coloured = formatStatusText(STATUS, { colour: true });
    expect(coloured).toContain('\x1b[33mtransform pending\x1b[0m');
    expect(coloured).toContain('\x1b[31merror');
    // eslint-disable-next-line no-control-regex -- the colours' own escapes
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(formatStatusText(STATUS));
  });

  it('lists the pending schema changes, and a table a change stopped in red', () => {
    const stopped = {
      ...STATUS,
      tables: { ...STATUS.tables, payment: table({ schema: 'stopped' }) },
    };
    const text = formatStatusText(stopped);
    expect(text).toMatch(/^payment\s.*\sstopped \(schema\)$/m);
    expect(text).toContain(
      'source columns that differ from the catalogue (1; docs/extending.md):\n  payment.company_ac_number retyped integer → character varying(20), since 2026-12-05T10:03:56.876Z:\n    stops payment',
    );
    expect(formatStatusText(stopped, { colour: true })).toContain('\x1b[31mstopped (schema)');
    expect(formatTableStatus(stopped, 'payment')).toContain(
      '  schema change   payment.company_ac_number',
    );
    expect(formatTableStatus(stopped, 'sales_order')).not.toContain('schema change');
  });

  it('shows one table in detail with --table', () => {
    const text = formatTableStatus(STATUS, 'sales_order');
    expect(widest(text)).toBeLessThanOrEqual(100);
    expect(text).toContain('  watermark       2026-12-05T10:03:57.208999Z');
    expect(text).toContain('  last rows       1,234,567 in batch 20261205T100356876Z-5e27b2');
    expect(text.replace(/\n +/g, ' ')).toContain('12,345 row(s) set aside; load error 2.00 s');
    expect(text).toContain('  failure         load at 2026-12-05T10:04:56.876Z: Reconciliation');
    expect(text).toContain(
      `  deletes applied 1,203 rows of fact_sales_order marked deleted in batch ${BATCH}`,
    );
  });
});

describe('the pieces', () => {
  it('says how long ago, in whole seconds under a minute', () => {
    expect(agoText(5.28)).toBe('5 s ago');
    expect(agoText(200)).toBe('3 m 20 s ago');
    expect(agoText(null)).toBe('—');
  });

  it('wraps at spaces, keeps the lead and indents what follows; cuts a word too long', () => {
    expect(wrapText('  aaa bbb ccc', 9)).toEqual(['  aaa bbb', '    ccc']);
    expect(wrapText('x'.repeat(12), 5, ' ')).toEqual(['xxxxx', ' xxxx', ' xxx']);
    expect(wrapText('short', 100)).toEqual(['short']);
  });
});
