import { spawn } from 'node:child_process';
import type { PipelineSettings } from '../local/pipeline-context';

export type StageName = 'ingest' | 'transform' | 'load';

export type StageRequest =
  | {
      stage: 'ingest';
      pipeline: PipelineSettings;
      overlapSeconds: number;
      /** Rows per source table per batch (runIngest's maxBatchRows). */
      maxBatchRows: number;
    }
  | { stage: 'transform' | 'load'; pipeline: PipelineSettings; manifestKey: string };

export interface StageResult {
  readonly stage: StageName;
  readonly seconds: number;
  readonly rows: number;
  readonly peakRssMb: number;
  /** Milliseconds per phase, as the stage's phase-timer hook recorded them. */
  readonly phases: Record<string, number>;
  /** The manifest the stage wrote (ingest, transform) or read (load). */
  readonly manifestKey: string;
  readonly extra: Record<string, number>;
  /** Ingest only: IngestResult.caughtUp, false while a backlog is left for the next batch. */
  readonly caughtUp?: boolean;
}

/** A stage run's CPU: its own process's and what PostgreSQL spent meanwhile. */
export const stageCpuSeconds = (stage: StageResult): number =>
  (stage.extra.cpuSeconds ?? 0) + (stage.extra.postgresCpuSeconds ?? 0);

export const RESULT_PREFIX = 'BENCH-RESULT ';

/**
 * Runs `script` (through tsx) in its own Node.js process with `request` as its argument, and
 * answers the result it prints on the line starting with {@link RESULT_PREFIX}: each measured run
 * gets a process of its own, so its peak RSS and CPU are its own.
 */
export function runResultProcess<T>(
  nodeOptions: readonly string[],
  script: string,
  request: unknown,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeOptions, '--import', 'tsx', script, JSON.stringify(request)],
      { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) {
        reject(new Error(`the ${what} process exited with ${code}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}

/**
 * The child's side of {@link runResultProcess}: runs `run` on the request in its argument,
 * prints the result on the {@link RESULT_PREFIX} line and exits 0, or prints the error and exits 1.
 */
export function answerResult<Request, Result>(run: (request: Request) => Promise<Result>): void {
  const request = JSON.parse(process.argv[2] ?? '{}') as Request;
  run(request).then(
    (result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
