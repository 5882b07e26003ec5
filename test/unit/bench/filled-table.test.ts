import { filledTableLine } from '../../../bench/filled-table';
import type { BatchRun, RunReport } from '../../../bench/report';
import type { StageName, StageResult } from '../../../bench/stage-protocol';

function stage(name: StageName, rows: number, seconds: number): StageResult {
  return {
    stage: name,
    seconds,
    rows,
    peakRssMb: 100,
    phases: {},
    manifestKey: `manifests/${name}.json`,
    extra: { cpuSeconds: seconds / 4, postgresCpuSeconds: seconds / 2 },
  };
}

const none = { rows: 0, seconds: 0 };

function batch(
  number: number,
  loaded: { rows: number; seconds: number },
  more: Partial<BatchRun> = {},
): BatchRun {
  return {
    batch: number,
    ingest: stage('ingest', loaded.rows, 1),
    transform: stage('transform', loaded.rows, 1),
    load: stage('load', loaded.rows, loaded.seconds),
    copyTo: none,
    jsonCopyTo: none,
    copyFrom: none,
    copyIntoFilled: undefined,
    capped: undefined,
    ...more,
  };
}

const capped = (table: string) => ({ capped: { table, remaining: 1 } });

const pass = (batches: BatchRun[]): RunReport => ({
  label: 'initial',
  batches,
  parquetjs: undefined,
  rowByRow: undefined,
});

test('sets the largest batch continuing a capped fact table against raw COPY into the filled tables', () => {
  const run = pass([
    batch(1, { rows: 900_000, seconds: 9 }, capped('sales_order')),
    batch(2, { rows: 400_000, seconds: 10 }, capped('sales_order')),
    batch(
      3,
      { rows: 500_000, seconds: 10 },
      {
        copyIntoFilled: { rows: 500_000, seconds: 8 },
      },
    ),
  ]);
  const line = filledTableLine(run);
  expect(line).toContain(
    'initial: load into a filled fact table: 50,000 rows/s ✗ (target ≥ 100,000)',
  );
  expect(line).toContain('0.80× raw COPY of its fact rows into the same tables (62,500 rows/s');
  expect(line).toContain('batch 3, 500,000 rows continuing sales_order in 10.00 s');
});

test('prefers a batch of fact rows alone, and sets no other against the fact rows COPY', () => {
  const startsDimension = batch(
    3,
    { rows: 200_000, seconds: 10 },
    { copyIntoFilled: { rows: 100_000, seconds: 2 } },
  );
  const run = pass([
    batch(1, { rows: 100_000, seconds: 2 }, capped('payment')),
    batch(
      2,
      { rows: 100_000, seconds: 4 },
      {
        ...capped('payment'),
        copyIntoFilled: { rows: 99_000, seconds: 2 },
      },
    ),
    startsDimension,
  ]);
  expect(filledTableLine(run)).toContain('25,000 rows/s ✗ (target ≥ 100,000), 0.51× raw COPY');
  expect(filledTableLine(run)).toContain('batch 2, 100,000 rows continuing payment');
  const mixedOnly: RunReport = {
    ...run,
    batches: [run.batches[0]!, { ...startsDimension, batch: 2 }],
  };
  expect(filledTableLine(mixedOnly)).toContain('20,000 rows/s ✗ (target ≥ 100,000); batch 2');
});

test('takes the latest of equally large batches: the fullest table', () => {
  const measured = { copyIntoFilled: { rows: 100_000, seconds: 2 } };
  const run = pass([
    batch(1, { rows: 100_000, seconds: 2 }, capped('sales_order')),
    batch(2, { rows: 100_000, seconds: 3 }, { ...capped('sales_order'), ...measured }),
    batch(3, { rows: 100_000, seconds: 4 }, measured),
  ]);
  expect(filledTableLine(run)).toContain('batch 3, 100,000 rows continuing sales_order in 4.00 s');
});

test('says nothing of a pass in which no batch continued a fact table', () => {
  const run = pass([
    batch(1, { rows: 900_000, seconds: 9 }, capped('staff')),
    batch(2, { rows: 400_000, seconds: 10 }),
  ]);
  expect(filledTableLine(run)).toBeUndefined();
});
