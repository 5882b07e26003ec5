import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Baseline } from './baselines';
import type { StageResult } from './stage-protocol';

export interface RunReport {
  readonly label: 'initial' | 'incremental';
  readonly ingest: StageResult;
  readonly transform: StageResult;
  readonly load: StageResult;
  readonly copyTo: Baseline;
  /** The ingest's JSON-building COPY alone, drained: what the upload adds is the rest. */
  readonly jsonCopyTo: Baseline;
  readonly copyFrom: Baseline;
  readonly parquetjs: Baseline | undefined;
  readonly rowByRow: Baseline | undefined;
}

export interface BenchReport {
  readonly scale: number;
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

function stageRows(run: RunReport): string[][] {
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
  const line = (stage: StageResult, vs: string) => [
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
      'end to end',
      '',
      secs(ingest.seconds + transform.seconds + load.seconds),
      '',
      int(Math.max(ingest.peakRssMb, transform.peakRssMb, load.peakRssMb)),
      '',
    ],
  ];
}

function markdownTable(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function phaseLines(run: RunReport): string[] {
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
        `summed over 4 tables at once; the same JSON COPY drained without upload takes ${secs(run.jsonCopyTo.seconds)} s, raw COPY TO ${secs(run.copyTo.seconds)} s`,
      );
    }
    lines.push(
      `- ${run.label} ${stage.stage} (${secs(stage.seconds)} s): ${parts.join(', ') || '—'}`,
    );
  }
  return lines;
}

function verdicts(report: BenchReport): string[] {
  const initial = report.runs.find((r) => r.label === 'initial');
  const incremental = report.runs.find((r) => r.label === 'incremental');
  const lines: string[] = [];
  if (initial) {
    const loadRatio = initial.copyFrom.seconds / initial.load.seconds;
    const ingestRatio = initial.copyTo.seconds / initial.ingest.seconds;
    const fact = rate(initial.transform.extra.factRows ?? 0, initial.transform.seconds);
    const end = initial.ingest.seconds + initial.transform.seconds + initial.load.seconds;
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
    const peak = Math.max(
      ...report.runs.flatMap((r) => [r.ingest.peakRssMb, r.transform.peakRssMb, r.load.peakRssMb]),
    );
    lines.push(
      `peak RSS: ${int(peak)} MB ${mark(peak <= TARGETS.peakRssMb)} (target ≤ ${TARGETS.peakRssMb} MB per stage)`,
    );
    lines.push(
      `initial load end to end: ${secs(end)} s ${mark(end < TARGETS.initialEndToEndSeconds)} (target < ${TARGETS.initialEndToEndSeconds} s at scale 100)`,
    );
  }
  if (incremental) {
    const end =
      incremental.ingest.seconds + incremental.transform.seconds + incremental.load.seconds;
    lines.push(
      `incremental batch end to end: ${secs(end)} s for ${int(incremental.ingest.rows)} rows ${mark(end < TARGETS.incrementalEndToEndSeconds)} (target < ${TARGETS.incrementalEndToEndSeconds} s)`,
    );
  }
  return lines;
}

export function formatReport(report: BenchReport): string {
  const header = ['pass', 'stage', 'rows', 'seconds', 'rows/s', 'peak RSS MB', 'vs baseline'];
  return [
    `### Scale ${report.scale}`,
    '',
    `${report.date}; ${report.machine}; Node.js ${report.node}; PostgreSQL ${report.postgres} (embedded, fsync off); S3: s3rver on loopback. Each stage ran in its own process${report.heapMb ? ` with \`--max-old-space-size=${report.heapMb}\`` : ''}; peak RSS is that process's maxRSS. The benchmark took ${secs(report.totalSeconds)} s, ${report.seedSeconds === undefined ? 'reusing an already seeded totesys' : `${secs(report.seedSeconds)} s of it seeding`}.`,
    '',
    markdownTable(header, report.runs.flatMap(stageRows)),
    '',
    '```',
    ...verdicts(report),
    '```',
    '',
    'Where the time goes (phases overlap where a stage streams, so they need not add up):',
    '',
    ...report.runs.flatMap(phaseLines),
  ].join('\n');
}

const DOC = join(__dirname, '..', 'docs', 'benchmarks.md');

/** Replaces this scale's section between its markers, leaving the rest of the file alone. */
export async function writeBenchmarksDoc(report: BenchReport): Promise<string> {
  const start = `<!-- bench:scale-${report.scale}:start -->`;
  const end = `<!-- bench:scale-${report.scale}:end -->`;
  const section = `${start}\n${formatReport(report)}\n${end}`;
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
