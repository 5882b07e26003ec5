import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_BATCH_ROWS } from '../contract/batch-bounds';
import type { Baseline } from './baselines';
import { filledTableLine } from './filled-table';
import type { StageLimit } from './lambda-limits';
import { sourceCostLines, sourceCostOf, type SourceCost } from './source-cost';
import type { StageName, StageResult } from './stage-protocol';

/** One batch of a pass: its three stage runs and the yardsticks measured on its rows. */
export interface BatchRun {
  /** 1 for a pass's first batch. */
  readonly batch: number;
  readonly ingest: StageResult;
  readonly transform: StageResult;
  readonly load: StageResult;
  readonly copyTo: Baseline;
  /** The JSON-building COPY the ingest used before (PostgreSQL built the JSON), drained. */
  readonly jsonCopyTo: Baseline;
  readonly copyFrom: Baseline;
  /**
   * Raw COPY of the batch's rows for the fact tables that already held rows, into those tables
   * as the load found them (copyIntoFilledBaseline); undefined when there were none to measure.
   */
  readonly copyIntoFilled: Baseline | undefined;
  /** The table the batch capped at maxBatchRows, and the rows of its window left for later. */
  readonly capped: { readonly table: string; readonly remaining: number } | undefined;
  /** The source's CPU for raw COPY TO and the old JSON-building query of the same rows. */
  readonly sourceCost?: SourceCost;
}

/** A pass: batch after batch until the ingest is caught up. */
export interface RunReport {
  readonly label: 'initial' | 'incremental';
  readonly batches: readonly BatchRun[];
  readonly parquetjs: Baseline | undefined;
  readonly rowByRow: Baseline | undefined;
}

export interface BenchReport {
  readonly scale: number;
  readonly maxBatchRows: number;
  readonly machine: string;
  readonly node: string;
  readonly postgres: string;
  readonly date: string;
  readonly runs: readonly RunReport[];
  readonly rowByRowSample: Baseline | undefined;
  readonly totalSeconds: number;
  /** Seconds spent seeding, or undefined when a kept state folder's totesys was reused. */
  readonly seedSeconds: number | undefined;
  /** --max-old-space-size given to the stage processes, if any. */
  readonly heapMb: number | undefined;
  /** Each stage's Lambda size and timeout as cdk.json configures them. */
  readonly limits: Readonly<Record<StageName, StageLimit>>;
  /** --compare-cap's ratio lines (bench/compare-cap.ts), when it ran. */
  readonly capComparison?: readonly string[];
}

/** Targets from issue 6. */
export const TARGETS = {
  loadVsCopy: 0.6,
  loadVsRowByRow: 30,
  ingestVsCopyTo: 0.4,
  transformFactRowsPerSecond: 150_000,
  peakRssMb: 256,
  initialEndToEndSeconds: 180,
  incrementalEndToEndSeconds: 5,
};

const rate = (rows: number, seconds: number) => (seconds > 0 ? rows / seconds : 0);
const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const secs = (n: number) => n.toFixed(2);
const ratio = (n: number) => `${n.toFixed(2)}×`;
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const STAGE_NAMES: readonly StageName[] = ['ingest', 'transform', 'load'];

type StageTotals = Pick<
  StageResult,
  'stage' | 'seconds' | 'rows' | 'peakRssMb' | 'phases' | 'extra'
>;

/** A pass summed over its batches: seconds, rows, phases and CPU added, peak RSS the largest. */
interface PassTotals {
  readonly label: RunReport['label'];
  readonly batches: number;
  readonly ingest: StageTotals;
  readonly transform: StageTotals;
  readonly load: StageTotals;
  readonly copyTo: Baseline;
  readonly jsonCopyTo: Baseline;
  readonly copyFrom: Baseline;
  readonly parquetjs: Baseline | undefined;
  readonly rowByRow: Baseline | undefined;
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

function sumStage(stage: StageName, runs: readonly StageResult[]): StageTotals {
  const phases: Record<string, number> = {};
  const extra: Record<string, number> = {};
  for (const run of runs) {
    addInto(phases, run.phases);
    addInto(extra, run.extra);
  }
  return {
    stage,
    seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
    rows: runs.reduce((sum, r) => sum + r.rows, 0),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    phases,
    extra,
  };
}

const sumBaseline = (baselines: readonly Baseline[]): Baseline => ({
  rows: baselines.reduce((sum, b) => sum + b.rows, 0),
  seconds: baselines.reduce((sum, b) => sum + b.seconds, 0),
});

function totals(run: RunReport): PassTotals {
  const { batches } = run;
  const stage = (name: StageName) =>
    sumStage(
      name,
      batches.map((b) => b[name]),
    );
  return {
    label: run.label,
    batches: batches.length,
    ingest: stage('ingest'),
    transform: stage('transform'),
    load: stage('load'),
    copyTo: sumBaseline(batches.map((b) => b.copyTo)),
    jsonCopyTo: sumBaseline(batches.map((b) => b.jsonCopyTo)),
    copyFrom: sumBaseline(batches.map((b) => b.copyFrom)),
    parquetjs: run.parquetjs,
    rowByRow: run.rowByRow,
  };
}

const endToEnd = (pass: PassTotals) =>
  pass.ingest.seconds + pass.transform.seconds + pass.load.seconds;

function stageRows(run: PassTotals): string[][] {
  const { ingest, transform, load, copyTo, copyFrom, parquetjs, rowByRow } = run;
  const factRows = transform.extra.factRows ?? 0;
  const transformVs = parquetjs
    ? `${ratio(rate(factRows, transform.seconds) / rate(parquetjs.rows, parquetjs.seconds))} parquetjs-lite (${int(rate(parquetjs.rows, parquetjs.seconds))} rows/s on ${int(parquetjs.rows)})`
    : `${int(rate(factRows, transform.seconds))} fact rows/s`;
  const loadVs = [
    `${ratio(copyFrom.seconds / load.seconds)} raw COPY (${secs(copyFrom.seconds)} s)`,
  ];
  if (rowByRow) {
    loadVs.push(
      `${ratio(rate(load.rows, load.seconds) / rate(rowByRow.rows, rowByRow.seconds))} row-by-row`,
    );
  }
  const line = (stage: StageTotals, vs: string) => [
    run.label,
    stage.stage,
    int(stage.rows),
    secs(stage.seconds),
    int(rate(stage.rows, stage.seconds)),
    int(stage.peakRssMb),
    vs,
  ];
  return [
    line(ingest, `${ratio(copyTo.seconds / ingest.seconds)} COPY TO (${secs(copyTo.seconds)} s)`),
    line(transform, transformVs),
    line(load, loadVs.join(', ')),
    [
      run.label,
      run.batches === 1 ? 'end to end' : `end to end, ${run.batches} batches`,
      '',
      secs(endToEnd(run)),
      '',
      int(Math.max(ingest.peakRssMb, transform.peakRssMb, load.peakRssMb)),
      '',
    ],
  ];
}

export function markdownTable(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** One line per batch: what it landed and what each stage took, wall and CPU, and its peak. */
function batchRows(run: RunReport): string[][] {
  return run.batches.map((batch) => [
    String(batch.batch),
    int(batch.ingest.rows),
    batch.capped ? `${batch.capped.table} (${int(batch.capped.remaining)} left)` : '',
    ...[batch.ingest, batch.transform, batch.load].flatMap((stage) => [
      secs(stage.seconds),
      secs(stage.extra.cpuSeconds ?? 0),
      int(stage.peakRssMb),
    ]),
    batch.copyIntoFilled ? secs(batch.copyIntoFilled.seconds) : '',
  ]);
}

const BATCH_HEADER = [
  'batch',
  'rows landed',
  'capped (rows left)',
  ...STAGE_NAMES.flatMap((stage) => [`${stage} s`, `${stage} CPU s`, `${stage} MB`]),
  'raw COPY into the filled facts s',
];

function phaseLines(run: PassTotals): string[] {
  const lines: string[] = [];
  for (const stage of [run.ingest, run.transform, run.load]) {
    const total = stage.seconds * 1000;
    const parts = Object.entries(stage.phases)
      .sort((a, b) => b[1] - a[1])
      .map(
        ([phase, ms]) =>
          `${phase} ${(ms / 1000).toFixed(2)} s (${Math.round((100 * ms) / total)}%)`,
      );
    if (stage.extra.cpuSeconds !== undefined) {
      parts.push(`the stage process used ${secs(stage.extra.cpuSeconds)} CPU s`);
    }
    if (stage.extra.s3CpuSeconds !== undefined) {
      parts.push(`s3rver meanwhile used ${secs(stage.extra.s3CpuSeconds)} CPU s`);
    }
    if (stage.stage === 'ingest') {
      parts.push(
        `summed over the tables, read one after another under the cap; the JSON-building COPY the ingest used before, drained without upload, takes ${secs(run.jsonCopyTo.seconds)} s, raw COPY TO ${secs(run.copyTo.seconds)} s`,
      );
    }
    const over = run.batches === 1 ? '' : `, ${run.batches} batches`;
    lines.push(
      `- ${run.label} ${stage.stage} (${secs(stage.seconds)} s${over}): ${parts.join(', ') || '—'}`,
    );
  }
  return lines;
}

/**
 * Per stage, its longest run and its largest peak RSS over every batch of every pass, against
 * its configured Lambda timeout and the memory target: a bounded batch must hold in each.
 */
function limitLines(report: BenchReport): string[] {
  const runs = report.runs.flatMap((pass) =>
    pass.batches.map((batch) => ({ where: `${pass.label} batch ${batch.batch}`, batch })),
  );
  return STAGE_NAMES.map((stage) => {
    const largest = (of: (result: StageResult) => number) =>
      runs.reduce((best, run) => (of(run.batch[stage]) > of(best.batch[stage]) ? run : best));
    const slowest = largest((r) => r.seconds);
    const heaviest = largest((r) => r.peakRssMb);
    const seconds = slowest.batch[stage].seconds;
    const peak = heaviest.batch[stage].peakRssMb;
    const { size, timeoutSeconds } = report.limits[stage];
    return `${stage}: longest run ${secs(seconds)} s (${slowest.where}) ${mark(seconds <= timeoutSeconds)} (${size} Lambda timeout ${timeoutSeconds} s), peak RSS ${int(peak)} MB (${heaviest.where}) ${mark(peak <= TARGETS.peakRssMb)} (target ≤ ${TARGETS.peakRssMb} MB)`;
  });
}

function verdicts(report: BenchReport, passes: readonly PassTotals[]): string[] {
  const initial = passes.find((p) => p.label === 'initial');
  const incremental = passes.find((p) => p.label === 'incremental');
  const lines: string[] = [];
  if (initial) {
    const loadRatio = initial.copyFrom.seconds / initial.load.seconds;
    const ingestRatio = initial.copyTo.seconds / initial.ingest.seconds;
    const fact = rate(initial.transform.extra.factRows ?? 0, initial.transform.seconds);
    const end = endToEnd(initial);
    const cpu = [initial.ingest, initial.transform, initial.load].reduce(
      (sum, stage) => sum + (stage.extra.cpuSeconds ?? 0),
      0,
    );
    lines.push(
      `initial load: ${initial.batches} ${initial.batches === 1 ? 'batch' : 'batches'} of at most ${int(report.maxBatchRows)} rows per table, ${int(initial.ingest.rows)} rows landed in ${secs(end)} s of stage time (${int(rate(initial.ingest.rows, end))} rows/s), ${secs(cpu)} CPU s in the stage processes`,
    );
    lines.push(
      `load: ${ratio(loadRatio)} raw COPY ${mark(loadRatio >= TARGETS.loadVsCopy)} (target ≥ ${TARGETS.loadVsCopy}×)`,
    );
    if (initial.rowByRow) {
      const vs =
        rate(initial.load.rows, initial.load.seconds) /
        rate(initial.rowByRow.rows, initial.rowByRow.seconds);
      lines.push(
        `load: ${ratio(vs)} row-by-row INSERT ${mark(vs >= TARGETS.loadVsRowByRow)} (target ≥ ${TARGETS.loadVsRowByRow}×; loop: ${int(rate(initial.rowByRow.rows, initial.rowByRow.seconds))} rows/s on ${int(initial.rowByRow.rows)} rows)`,
      );
    }
    lines.push(
      `ingest: ${ratio(ingestRatio)} COPY TO ${mark(ingestRatio >= TARGETS.ingestVsCopyTo)} (target ≥ ${TARGETS.ingestVsCopyTo}×)`,
    );
    lines.push(
      `transform: ${int(fact)} fact rows/s ${mark(fact >= TARGETS.transformFactRowsPerSecond)} (target ≥ ${int(TARGETS.transformFactRowsPerSecond)})`,
    );
    lines.push(...limitLines(report));
    lines.push(
      `initial load end to end: ${secs(end)} s ${mark(end < TARGETS.initialEndToEndSeconds)} (target < ${TARGETS.initialEndToEndSeconds} s at scale 100)`,
    );
  }
  if (incremental) {
    const end = endToEnd(incremental);
    lines.push(
      `incremental batch end to end: ${secs(end)} s for ${int(incremental.ingest.rows)} rows ${mark(end < TARGETS.incrementalEndToEndSeconds)} (target < ${TARGETS.incrementalEndToEndSeconds} s)`,
    );
  }
  for (const run of report.runs) {
    lines.push(...sourceCostLines(sourceCostOf(run.label, run.batches)));
    const filled = filledTableLine(run);
    if (filled) lines.push(filled);
  }
  return lines;
}

/** The default cap keeps the plain `scale-N` section, so earlier runs stay comparable. */
const sectionId = (report: BenchReport) =>
  report.maxBatchRows === DEFAULT_MAX_BATCH_ROWS
    ? `scale-${report.scale}`
    : `scale-${report.scale}-cap-${report.maxBatchRows}`;

export function formatReport(report: BenchReport): string {
  const header = ['pass', 'stage', 'rows', 'seconds', 'rows/s', 'peak RSS MB', 'vs baseline'];
  const passes = report.runs.map(totals);
  const perBatch = report.runs
    .filter((run) => run.batches.length > 1)
    .flatMap((run) => [
      '',
      `Per batch of the ${run.label} pass (seconds are wall time; CPU s is the stage process's user + system):`,
      '',
      markdownTable(BATCH_HEADER, batchRows(run)),
    ]);
  const cap =
    report.maxBatchRows === DEFAULT_MAX_BATCH_ROWS
      ? ''
      : `, batches of at most ${int(report.maxBatchRows)} rows`;
  return [
    `### Scale ${report.scale}${cap}`,
    '',
    `${report.date}; ${report.machine}; Node.js ${report.node}; PostgreSQL ${report.postgres} (embedded, fsync off); S3: s3rver on loopback. At most ${int(report.maxBatchRows)} rows per source table per batch; each pass ran batch after batch until the ingest was caught up. Each stage of each batch ran in its own process${report.heapMb ? ` with \`--max-old-space-size=${report.heapMb}\`` : ''}; peak RSS is that process's maxRSS. The benchmark took ${secs(report.totalSeconds)} s, ${report.seedSeconds === undefined ? 'reusing an already seeded totesys' : `${secs(report.seedSeconds)} s of it seeding`}.`,
    '',
    markdownTable(header, passes.flatMap(stageRows)),
    ...perBatch,
    '',
    '```',
    ...verdicts(report, passes),
    ...(report.capComparison ?? []),
    '```',
    '',
    'Where the time goes, summed over the batches (phases overlap where a stage streams, so they need not add up):',
    '',
    ...passes.flatMap(phaseLines),
  ].join('\n');
}

const DOC = join(__dirname, '..', 'docs', 'benchmarks.md');

/**
 * Replaces this scale's (and cap's) section between its markers, leaving the rest of the file
 * alone.
 */
export function writeBenchmarksDoc(report: BenchReport): Promise<string> {
  return writeBenchmarksSection(sectionId(report), formatReport(report));
}

/** Replaces the section `id` of docs/benchmarks.md (or appends it), leaving the rest alone. */
export async function writeBenchmarksSection(id: string, body: string): Promise<string> {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const section = `${start}\n${body}\n${end}`;
  let text = await readFile(DOC, 'utf8').catch(() => '# Benchmarks\n');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from !== -1 && to > from) {
    text = text.slice(0, from) + section + text.slice(to + end.length);
  } else {
    text = `${text.trimEnd()}\n\n${section}\n`;
  }
  await writeFile(DOC, text);
  return DOC;
}
