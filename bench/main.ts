/**
 * `npm run bench -- --scale N [--max-batch-rows M]`: the command line's start-up against
 * `node -e 0` (alone: `--startup-only`; the transform's CPU per row alone: `--transform-only`,
 * bench/transform-throughput.ts), then a fresh embedded stack, seeded at scale N
 * (default 10); the whole initial load as one `deliverance run` against the raw pipe of every
 * source table (bench/whole-load.ts; not with --no-whole-load), emptied again; the initial load
 * drained batch after batch of at most M rows per source table
 * (default DEFAULT_MAX_BATCH_ROWS), then an incremental batch of ~1,000 changed rows. Each stage
 * of each batch runs in its own process (so its peak RSS is its own), against baselines measured
 * in the same run on the same rows. Prints the tables and writes them to docs/benchmarks.md.
 * `--compare-cap N` drains the initial load at a cap of N, then again uncapped (compare-cap.ts).
 * Last, the deletes reconciliation's cost on the source against reading every key
 * (bench/deletes-cost.ts; not with --no-deletes; alone, after the initial load it needs:
 * `--deletes-only`).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DEFAULT_MAX_BATCH_ROWS } from '../contract/batch-bounds';
import {
  parseLandingManifest,
  parseProcessedManifest,
  type LandingManifest,
  type ProcessedManifest,
} from '../lambdas/shared/core/manifest';
import { BackfillProgress } from '../local/backfill-progress';
import { startLocalStack, temporaryStateDir } from '../local/local-stack';
import { openPipeline, type PipelineSettings } from '../local/pipeline-context';
import { migrateLocalWarehouse } from '../local/run-cycle';
import { seedTotesys } from '../local/seed/seed-totesys';
import {
  copyFromBaseline,
  copyIntoFilledBaseline,
  copyToBaseline,
  parquetjsBaseline,
  rowByRowBaseline,
  stageCopyFiles,
  type Baseline,
} from './baselines';
import { applyBenchChanges } from './changes';
import { capComparisonLines, resetDownstream } from './compare-cap';
import { formatDeletesCost, measureDeletesCost } from './deletes-cost';
import { configuredLimits } from './lambda-limits';
import { postgresCpuSeconds } from './postgres-cpu';
import {
  formatReport,
  writeBenchmarksDoc,
  writeBenchmarksSection,
  type BatchRun,
  type BenchReport,
  type RunReport,
} from './report';
import { runResultProcess, type StageRequest, type StageResult } from './stage-protocol';
import { sourceCostBaselines } from './source-cost';
import { formatStartup, measureStartup } from './startup';
import { transformThroughputBench } from './transform-throughput';
import { formatWholeLoad, measureWholeLoad } from './whole-load';

const log = (line: string) => console.error(`bench: ${line}`);

/**
 * --heap-mb: V8's old-space cap for the stage processes. Without a cap V8 grows its heap
 * lazily up to its own default, so RSS would measure V8's appetite rather than the stage's
 * working set; with it, a stage that buffered a whole table would fail here.
 */
const DEFAULT_HEAP_MB = 160;
/** Keys the deletes bench deletes from the source (in a transaction it rolls back). */
const DELETED_KEYS = 10;
/** --compare-cap's second pass: no source table holds this many rows at any bench scale. */
const UNCAPPED = 1_000_000_000;
let heapMb: number | undefined;

/**
 * Runs a stage in a child process. This process is idle meanwhile but for the s3rver it hosts,
 * so the CPU it uses in that time is what the local S3 server cost the stage (in AWS, S3's
 * work happens elsewhere); it is reported as extra.s3CpuSeconds.
 */
async function runStage(request: StageRequest): Promise<StageResult> {
  const cpu = process.cpuUsage();
  const postgresBefore = postgresCpuSeconds(request.pipeline.stateDir);
  const result = await runStageProcess(request);
  const used = process.cpuUsage(cpu);
  const postgresAfter = postgresCpuSeconds(request.pipeline.stateDir);
  const postgres: Record<string, number> =
    postgresBefore === undefined || postgresAfter === undefined
      ? {}
      : { postgresCpuSeconds: postgresAfter - postgresBefore };
  return {
    ...result,
    extra: { ...result.extra, ...postgres, s3CpuSeconds: (used.user + used.system) / 1e6 },
  };
}

function runStageProcess(request: StageRequest): Promise<StageResult> {
  return runResultProcess<StageResult>(
    heapMb ? [`--max-old-space-size=${heapMb}`] : [],
    join(__dirname, 'stage-runner.ts'),
    request,
    `${request.stage} stage`,
  );
}

async function pgVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    return result.rows[0]?.v ?? '?';
  } finally {
    await client.end();
  }
}

/**
 * One batch through the three stages, each in its own process, and the yardsticks on its rows.
 * The sampled yardsticks (parquetjs-lite, row by row) are the pass's, not the batch's.
 */
async function runBatch(
  label: RunReport['label'],
  batch: number,
  settings: PipelineSettings,
  context: ReturnType<typeof openPipeline>,
  workDir: string,
  maxBatchRows: number,
): Promise<{ run: BatchRun; landing: LandingManifest; processed: ProcessedManifest }> {
  const step = (what: string) => log(`${label} batch ${batch}: ${what}`);
  step('ingest');
  const ingest = await runStage({
    stage: 'ingest',
    pipeline: settings,
    overlapSeconds: 300,
    maxBatchRows,
  });
  const landing = parseLandingManifest(
    (await context.landing.get(ingest.manifestKey)).toString('utf8'),
    { bucket: context.landing.bucket, key: ingest.manifestKey },
  );
  step('raw COPY TO baseline');
  const copyTo = await copyToBaseline(settings.sourceUrl, landing);
  const jsonCopyTo = await copyToBaseline(settings.sourceUrl, landing, true);
  const sourceCost = await sourceCostBaselines(settings.sourceUrl, landing);

  step('transform');
  const transform = await runStage({
    stage: 'transform',
    pipeline: settings,
    manifestKey: ingest.manifestKey,
  });
  const processed = parseProcessedManifest(
    (await context.processed.get(transform.manifestKey)).toString('utf8'),
    { bucket: context.processed.bucket, key: transform.manifestKey },
  );

  const files = await stageCopyFiles(context.processed, processed, workDir);
  step('raw COPY into the filled fact tables baseline');
  const copyIntoFilled = await copyIntoFilledBaseline(settings.warehouseUrl, files);

  step('load');
  const load = await runStage({
    stage: 'load',
    pipeline: settings,
    manifestKey: transform.manifestKey,
  });
  step('raw COPY FROM baseline');
  const copyFrom = await copyFromBaseline(settings.warehouseUrl, files);
  for (const file of files) await rm(file.path, { force: true });

  const cappedEntry = landing.tables.find((t) => t.upTo !== undefined);
  const capped = cappedEntry && { table: cappedEntry.table, remaining: cappedEntry.remaining ?? 0 };
  const run = {
    batch,
    ingest,
    transform,
    load,
    copyTo,
    jsonCopyTo,
    copyFrom,
    copyIntoFilled,
    capped,
    sourceCost,
  };
  return { run, landing, processed };
}

/**
 * One pass: batch after batch until the ingest says it is caught up, as the ingest Lambda
 * re-invokes itself in AWS. Every stage run is its own process, so each peak RSS is one run's.
 */
async function runPass(
  label: RunReport['label'],
  settings: PipelineSettings,
  context: ReturnType<typeof openPipeline>,
  workDir: string,
  maxBatchRows: number,
  samples: { parquetjs: number; rowByRow: number },
): Promise<RunReport> {
  const batches: BatchRun[] = [];
  const progress = new BackfillProgress();
  let parquetjs: Baseline | undefined;
  for (;;) {
    const { run, landing, processed } = await runBatch(
      label,
      batches.length + 1,
      settings,
      context,
      workDir,
      maxBatchRows,
    );
    batches.push(run);
    const stages = [run.ingest, run.transform, run.load].map(
      (stage) => `${stage.stage} ${stage.seconds.toFixed(2)} s ${Math.round(stage.peakRssMb)} MB`,
    );
    log(`${label} batch ${run.batch}: ${run.ingest.rows} rows landed; ${stages.join(', ')}`);
    progress.add({ manifest: landing });
    for (const line of progress.lines()) log(`${label} batch ${run.batch}: ${line}`);
    // The first batch that holds sales orders: parquetjsBaseline answers undefined before then.
    if (samples.parquetjs > 0 && !parquetjs) {
      parquetjs = await parquetjsBaseline(context.processed, processed, workDir, samples.parquetjs);
      if (parquetjs) log(`${label}: parquetjs-lite baseline (${parquetjs.rows} rows)`);
    }
    if (run.ingest.caughtUp) break;
  }
  let rowByRow: Baseline | undefined;
  if (samples.rowByRow > 0) {
    log(`${label}: row-by-row INSERT baseline (${samples.rowByRow} rows)`);
    rowByRow = await rowByRowBaseline(settings.warehouseUrl, samples.rowByRow);
  }
  return { label, batches, parquetjs, rowByRow };
}

const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB`;

/** The command line's start-up against `node -e 0` (bench/startup.ts); alone: --startup-only. */
async function startupBench(docs: boolean): Promise<void> {
  log('command-line start-up against node -e 0');
  const report = measureStartup();
  const text = formatStartup(report, new Date().toISOString().slice(0, 10), machine());
  console.log(text);
  if (docs) log(`wrote ${await writeBenchmarksSection('startup', text)}`);
}

/** The deletes reconciliation's cost on the source (bench/deletes-cost.ts), on a loaded warehouse. */
async function deletesBench(
  settings: PipelineSettings,
  scale: number,
  rounds: number,
  docs: boolean,
): Promise<void> {
  log('deletes reconciliation against reading every key');
  const report = await measureDeletesCost(
    {
      sourceUrl: settings.sourceUrl,
      warehouseUrl: settings.warehouseUrl,
      rounds,
      deleted: DELETED_KEYS,
    },
    { scale, date: new Date().toISOString().slice(0, 10), machine: machine() },
  );
  const text = formatDeletesCost(report);
  console.log(text);
  if (docs) log(`wrote ${await writeBenchmarksSection(`deletes-scale-${scale}`, text)}`);
}

const USAGE = `Usage: npm run bench -- [options]

Seeds totesys on the embedded stack and times ingest, transform and load against baselines
measured in the same run (docs/benchmarks.md says what each figure means).

Options:
  --scale N            seed scale (default 10; 100 is about 4.3M source rows)
  --state DIR          keep the stack in DIR and reuse its seeded totesys
  --seed-only          seed (or reuse) and stop
  --max-batch-rows N   rows per source table per batch (default ${DEFAULT_MAX_BATCH_ROWS})
  --compare-cap N      drain in batches of N, then again uncapped, and compare
  --changed-rows N     rows changed for the incremental pass (default 1000)
  --heap-mb N          V8 old space of each stage process
  --transform-only     the transform's CPU per fact row alone [--rounds R] [--cpu-prof]
  --startup-only       the command line's start-up alone
  --deletes-only       the deletes reconciliation alone
  --no-whole-load      leave out the whole initial load through \`deliverance run\`
  --no-deletes         leave out the deletes reconciliation
  --no-docs            print only; do not rewrite docs/benchmarks.md
  -h, --help           this text

Exit codes: 0 done, 1 a run failed, 2 a usage error.`;

/** A mistyped command line: said in one line, with where to look, and exit code 2. */
class UsageError extends Error {}

const OPTIONS = {
  help: { type: 'boolean', short: 'h', default: false },
  scale: { type: 'string', default: '10' },
  state: { type: 'string' },
  'no-docs': { type: 'boolean', default: false },
  'seed-only': { type: 'boolean', default: false },
  'heap-mb': { type: 'string' },
  'changed-rows': { type: 'string', default: '1000' },
  'max-batch-rows': { type: 'string', default: String(DEFAULT_MAX_BATCH_ROWS) },
  'startup-only': { type: 'boolean', default: false },
  'transform-only': { type: 'boolean', default: false },
  rounds: { type: 'string', default: '3' },
  'cpu-prof': { type: 'boolean', default: false },
  'compare-cap': { type: 'string' },
  'no-whole-load': { type: 'boolean', default: false },
  'no-deletes': { type: 'boolean', default: false },
  'deletes-only': { type: 'boolean', default: false },
} as const;

function options() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A numeric option's value, or a UsageError naming the option and what it was given. */
function positive(name: string, text: string, whole: boolean): number {
  const value = Number(text);
  if (value > 0 && (whole ? Number.isSafeInteger(value) : Number.isFinite(value))) return value;
  throw new UsageError(`--${name} must be a positive ${whole ? 'whole ' : ''}number, not ${text}`);
}

async function main(): Promise<void> {
  const values = options();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scale = positive('scale', values.scale, false);
  const rounds = positive('rounds', values.rounds, true);
  const changedRows = positive('changed-rows', values['changed-rows'], true);
  const compareCap = values['compare-cap'];
  const maxBatchRows =
    compareCap === undefined
      ? positive('max-batch-rows', values['max-batch-rows'], true)
      : positive('compare-cap', compareCap, true);
  heapMb =
    values['heap-mb'] === undefined
      ? DEFAULT_HEAP_MB
      : positive('heap-mb', values['heap-mb'], true);
  if (values['transform-only']) {
    const text = await transformThroughputBench({
      scale,
      stateDir: values.state,
      rounds,
      cpuProf: values['cpu-prof'],
      log,
    });
    console.log(text);
    return;
  }
  if (!values['deletes-only']) await startupBench(!values['no-docs']);
  if (values['startup-only']) return;
  const limits = configuredLimits();
  const keep = values.state !== undefined;
  const stateDir = values.state ?? (await temporaryStateDir('deliverance-bench-'));
  await mkdir(stateDir, { recursive: true });
  // A kept state folder keeps its seeded totesys; everything downstream starts empty.
  await rm(join(stateDir, 's3'), { recursive: true, force: true });
  await rm(join(stateDir, 'watermarks.json'), { force: true });
  const workDir = await mkdtemp(join(tmpdir(), 'deliverance-bench-work-'));

  const started = performance.now();
  log(`starting the embedded stack in ${stateDir}`);
  const stack = await startLocalStack(stateDir);
  const postgres = stack.postgres!;
  const settings: PipelineSettings = {
    sourceUrl: postgres.url('totesys'),
    warehouseUrl: postgres.url('warehouse'),
    stateDir,
    s3: stack.s3!.endpoint,
  };
  if (keep) {
    const admin = new Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS warehouse');
    await admin.query('CREATE DATABASE warehouse').finally(() => admin.end());
  }
  const context = openPipeline(settings);
  try {
    const orders = await context.source.query<{ n: number }>(
      `SELECT CASE WHEN to_regclass('sales_order') IS NULL THEN 0
              ELSE (SELECT reltuples FROM pg_class WHERE oid = to_regclass('sales_order'))
              END::bigint AS n`,
    );
    const present = Number(orders.rows[0]?.n ?? 0);
    let seedSeconds: number | undefined;
    if (present <= 0) {
      log(`seeding totesys at scale ${scale}`);
      const summary = await seedTotesys(settings.sourceUrl, { scale, log });
      log(`seeded in ${summary.seconds} s`);
      seedSeconds = summary.seconds;
    } else {
      log(`reusing the seeded totesys in ${stateDir} (about ${present} sales orders)`);
    }
    if (values['seed-only']) return;
    const deletesOnly = values['deletes-only'];
    if (!values['no-whole-load'] && !deletesOnly) {
      log('whole initial load: the raw pipe, then one deliverance run');
      const whole = await measureWholeLoad(
        {
          stateDir,
          postgres,
          s3Url: settings.s3.url ?? '',
          buckets: [context.landing, context.processed],
          maxBatchRows,
        },
        { scale, date: new Date().toISOString().slice(0, 10), machine: machine() },
      );
      const text = formatWholeLoad(whole);
      console.log(text);
      if (!values['no-docs']) {
        log(`wrote ${await writeBenchmarksSection(`whole-load-scale-${scale}`, text)}`);
      }
    }
    await migrateLocalWarehouse(context);

    const initial = await runPass(
      'initial',
      settings,
      context,
      workDir,
      maxBatchRows,
      deletesOnly ? { parquetjs: 0, rowByRow: 0 } : { parquetjs: 100_000, rowByRow: 20_000 },
    );
    if (deletesOnly) {
      await deletesBench(settings, scale, rounds, !values['no-docs']);
      return;
    }

    const client = new Client({ connectionString: settings.sourceUrl });
    await client.connect();
    const changes = await applyBenchChanges(client, changedRows).finally(() => client.end());
    log(`changed ${changes.inserted + changes.updated} rows in totesys`);
    const incremental = await runPass('incremental', settings, context, workDir, maxBatchRows, {
      parquetjs: 0,
      rowByRow: 0,
    });
    let capComparison: string[] | undefined;
    if (compareCap !== undefined) {
      log('the same initial load again, uncapped');
      await resetDownstream(context, stateDir);
      const uncapped = await runPass('initial', settings, context, workDir, UNCAPPED, {
        parquetjs: 0,
        rowByRow: 0,
      });
      capComparison = capComparisonLines(initial, uncapped, maxBatchRows);
    }
    // After the incremental pass: the warehouse holds every key the source does.
    if (!values['no-deletes']) {
      await deletesBench(settings, scale, rounds, !values['no-docs']);
    }

    const report: BenchReport = {
      scale,
      maxBatchRows,
      machine: machine(),
      node: process.version,
      postgres: await pgVersion(settings.warehouseUrl),
      date: new Date().toISOString().slice(0, 10),
      runs: [initial, incremental],
      rowByRowSample: initial.rowByRow,
      totalSeconds: (performance.now() - started) / 1000,
      seedSeconds,
      heapMb,
      limits,
      capComparison,
    };
    console.log(formatReport(report));
    if (!values['no-docs']) {
      const path = await writeBenchmarksDoc(report);
      log(`wrote ${path}`);
    }
  } finally {
    await context.close();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
    if (!keep) await rm(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`bench: ${error.message}; see npm run bench -- --help`);
      process.exit(2);
    }
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exit(1);
  },
);
