/**
 * The whole initial load against its yardstick, in the same run on the same rows: one
 * `deliverance run` — the command line itself, in its own process, batch after batch until
 * caught up with its stages overlapping — against the raw pipe of every source table
 * (raw-pipe.ts). The ratio is the pipe's time over the run's: 1× would be as fast as moving the
 * bytes and nothing else.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { LocalPostgres } from '../local/embedded-postgres';
import { LOCAL_S3_CREDENTIALS } from '../local/s3-server';
import type { ObjectStore } from '../lambdas/shared/ports/object-store';
import { postgresCpuSeconds, waitedChildrenCpuSeconds } from './process-cpu';
import { rawPipeBaseline, type RawPipe } from './raw-pipe';
import { markdownTable } from './report';

/** Issue 27's goal for the whole initial load over the raw pipe, and its moonshot. */
export const WHOLE_LOAD_TARGETS = { ratio: 0.35, moonshot: 0.5 };

export interface WholeLoadRun {
  /** Wall time of the command's process, start-up included: what its user waits. */
  readonly seconds: number;
  /** The command's own count, from its start to its report (`run --json`'s seconds). */
  readonly runSeconds: number;
  readonly landed: number;
  readonly loaded: number;
  readonly batches: number;
  readonly cpuSeconds: number;
  /** This process's CPU meanwhile: the local S3 server it hosts, which the run talks to. */
  readonly s3CpuSeconds: number;
  readonly postgresCpuSeconds: number;
}

export interface WholeLoadReport {
  readonly scale: number;
  readonly maxBatchRows: number;
  readonly date: string;
  readonly machine: string;
  /** The cores the processes shared: what bounds how much any overlap of stages can gain. */
  readonly cores: number;
  readonly pipe: RawPipe & { readonly postgresCpuSeconds: number };
  readonly run: WholeLoadRun;
}

export interface WholeLoadSetup {
  readonly stateDir: string;
  readonly postgres: LocalPostgres;
  /** The local S3 server the run is pointed at (DELIVERANCE_S3_ENDPOINT). */
  readonly s3Url: string | undefined;
  /** The run's buckets, emptied afterwards for the stage-by-stage passes that follow. */
  readonly buckets: readonly ObjectStore[];
  readonly maxBatchRows: number;
}

/** Runs `deliverance run --json` on its own warehouse database and state folder. */
async function runCommand(setup: WholeLoadSetup): Promise<WholeLoadRun> {
  if (!setup.s3Url) throw new Error('The whole load needs the local S3 server, which has no URL');
  // A kept state folder keeps what an earlier benchmark's run made: the run starts empty.
  const stateDir = join(setup.stateDir, 'whole-load');
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  const admin = new Client({ connectionString: setup.postgres.url('postgres') });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS whole_load').finally(() => admin.end());
  await setup.postgres.createDatabase('whole_load');
  const env = {
    ...process.env,
    DELIVERANCE_STATE_DIR: stateDir,
    DELIVERANCE_SOURCE_URL: setup.postgres.url('totesys'),
    DELIVERANCE_WAREHOUSE_URL: setup.postgres.url('whole_load'),
    DELIVERANCE_S3_ENDPOINT: setup.s3Url,
    DELIVERANCE_MAX_BATCH_ROWS: String(setup.maxBatchRows),
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  };
  const dataDir = join(setup.stateDir, 'postgres', 'data');
  const [pg, children, s3] = [
    await postgresCpuSeconds(dataDir),
    await waitedChildrenCpuSeconds(),
    process.cpuUsage(),
  ];
  const started = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(__dirname, '..', 'bin', 'deliverance.cjs'), 'run', '--json'],
      { env, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`deliverance run exited with ${code}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const s3Used = process.cpuUsage(s3);
  const report = JSON.parse(out) as {
    seconds: number;
    landed: number;
    loaded: number;
    batches: unknown[];
  };
  for (const bucket of setup.buckets) {
    for (const key of await bucket.list('')) await bucket.delete(key);
  }
  return {
    seconds,
    runSeconds: report.seconds,
    landed: report.landed,
    loaded: report.loaded,
    batches: report.batches.length,
    cpuSeconds: (await waitedChildrenCpuSeconds()) - children,
    s3CpuSeconds: (s3Used.user + s3Used.system) / 1e6,
    postgresCpuSeconds: (await postgresCpuSeconds(dataDir)) - pg,
  };
}

/**
 * The raw pipe, then one whole `deliverance run`, on the seeded totesys. The run must land
 * every row the pipe moved, or the comparison would not be of the same rows.
 */
export async function measureWholeLoad(
  setup: WholeLoadSetup,
  about: Pick<WholeLoadReport, 'scale' | 'date' | 'machine'>,
): Promise<WholeLoadReport> {
  const dataDir = join(setup.stateDir, 'postgres', 'data');
  // Seeding leaves the server autovacuuming and checkpointing: done first, it is in neither figure.
  const source = new Client({ connectionString: setup.postgres.url('totesys') });
  await source.connect();
  await source.query('VACUUM ANALYZE').finally(() => source.query('CHECKPOINT'));
  await source.end();
  const before = await postgresCpuSeconds(dataDir);
  const pipe = await rawPipeBaseline(
    setup.postgres.url('totesys'),
    setup.postgres.url('warehouse'),
  );
  const pipeCpu = (await postgresCpuSeconds(dataDir)) - before;
  const run = await runCommand(setup);
  if (run.landed !== pipe.rows) {
    throw new Error(
      `deliverance run landed ${run.landed} rows where the raw pipe moved ${pipe.rows}: not the same rows`,
    );
  }
  return {
    ...about,
    cores: availableParallelism(),
    maxBatchRows: setup.maxBatchRows,
    pipe: { ...pipe, postgresCpuSeconds: pipeCpu },
    run,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const secs = (n: number) => n.toFixed(2);

/** The section printed and written to docs/benchmarks.md. */
export function formatWholeLoad(report: WholeLoadReport): string {
  const { pipe, run } = report;
  const ratio = pipe.seconds / run.seconds;
  // On a shared machine the wall-clock ratio is the load's as much as ours: the CPU ratio is not.
  const pipeCpu = pipe.clientCpuSeconds + pipe.postgresCpuSeconds;
  const runCpu = run.cpuSeconds + run.postgresCpuSeconds + run.s3CpuSeconds;
  const verdict =
    ratio >= WHOLE_LOAD_TARGETS.moonshot
      ? 'meets the moonshot'
      : ratio >= WHOLE_LOAD_TARGETS.ratio
        ? 'meets the target'
        : 'misses the target';
  const header = [
    '',
    'rows',
    'seconds',
    'rows/s',
    'client CPU s',
    'PostgreSQL CPU s',
    'S3 server CPU s',
  ];
  return [
    `### Whole initial load, scale ${report.scale}`,
    '',
    `${report.date}; ${report.machine}. One \`deliverance run\` (the command line in its own process, start-up included; batches of at most ${int(report.maxBatchRows)} rows per source table, ${run.batches} ${run.batches === 1 ? 'batch' : 'batches'}, the next ingested while the one before transforms and loads; ${secs(run.runSeconds)} s by its own count) against the raw pipe \`COPY (SELECT * FROM t) TO STDOUT | COPY raw_pipe.t FROM STDIN\` of every source table, one after the other, into an indexed copy in the warehouse's server, in one transaction.`,
    '',
    markdownTable(header, [
      [
        'raw pipe',
        int(pipe.rows),
        secs(pipe.seconds),
        int(pipe.rows / pipe.seconds),
        secs(pipe.clientCpuSeconds),
        secs(pipe.postgresCpuSeconds),
        '–',
      ],
      [
        'deliverance run',
        int(run.landed),
        secs(run.seconds),
        int(run.landed / run.seconds),
        secs(run.cpuSeconds),
        secs(run.postgresCpuSeconds),
        secs(run.s3CpuSeconds),
      ],
    ]),
    '',
    '```',
    `whole initial load ÷ raw pipe: ${ratio.toFixed(2)}× (target ≥ ${WHOLE_LOAD_TARGETS.ratio}×, moonshot ${WHOLE_LOAD_TARGETS.moonshot}×): ${verdict}`,
    `in CPU seconds, every process (client, PostgreSQL, S3 server): ${(pipeCpu / runCpu).toFixed(2)}× (${secs(pipeCpu)} s against ${secs(runCpu)} s)`,
    `however the stages overlap: every process's ${secs(runCpu)} CPU s over ${report.cores} cores, with no wait, take ${secs(runCpu / report.cores)} s, so at most ${(pipe.seconds / (runCpu / report.cores)).toFixed(2)}× the raw pipe`,
    `rows loaded into the warehouse: ${int(run.loaded)}`,
    '```',
  ].join('\n');
}
