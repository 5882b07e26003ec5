/**
 * One run of the transform stage's own code over landed objects kept in a folder, in a process
 * of its own: `node --import tsx bench/transform-runner.ts '<json request>'`. Prints one RESULT
 * line of JSON with the CPU seconds the run used (user + system, `process.cpuUsage`, counted
 * around `runTransform` alone, so module loading is not in it). With `profilePath`, V8's sampling
 * profiler runs around `runTransform` alone too, so loading and compiling the TypeScript stays
 * out of the profile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { LOCAL_BUCKETS } from '../local/local-stack';
import { setPhaseRecorder } from '../lambdas/shared/phase-timer';
import { silentLogger } from '../lambdas/shared/ports/stage-logger';
import { runTransform } from '../lambdas/transform/transform';
import { directoryObjectStore } from './directory-object-store';
import { answerResult } from './stage-protocol';

export interface TransformRunRequest {
  /** The landing bucket's folder: the landed objects and the manifest, one file per key. */
  readonly landingDir: string;
  readonly manifestKey: string;
  /** Where this run's processed bucket and work folder go; removed afterwards. */
  readonly scratchDir: string;
  /** Where to write the `.cpuprofile` of the run, if it is to be profiled. */
  readonly profilePath?: string;
}

export interface TransformRunResult {
  readonly cpuSeconds: number;
  readonly seconds: number;
  readonly rows: number;
  readonly factRows: number;
  readonly peakRssMb: number;
  /** Wall milliseconds per phase, as the stage's phase timer recorded them. */
  readonly phases: Record<string, number>;
  /** CPU seconds per thread name (Linux: the main thread, V8's GC and compiler threads, libuv's pool). */
  readonly threads: Record<string, number>;
}

/** CPU seconds so far of each of this process's threads, summed by thread name (Linux only). */
function threadCpu(): Record<string, number> {
  const byName: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return byName;
  }
  for (const task of tasks) {
    try {
      // V8's worker threads (GC, compiler) keep the process's name; the main thread's id is the pid.
      const name =
        task === String(process.pid)
          ? 'main'
          : readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // Fields after the parenthesised name: state is the 3rd; utime and stime the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      byName[name] = (byName[name] ?? 0) + ticks / CLOCK_TICKS;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** Linux's USER_HZ, what /proc counts CPU time in. */
const CLOCK_TICKS = 100;

async function run(request: TransformRunRequest): Promise<TransformRunResult> {
  const phases: Record<string, number> = {};
  setPhaseRecorder((phase, ms) => {
    phases[phase] = (phases[phase] ?? 0) + ms;
  });
  const scratch = await mkdtemp(join(request.scratchDir, 'run-'));
  try {
    const landing = directoryObjectStore(LOCAL_BUCKETS.landing, request.landingDir);
    const processed = directoryObjectStore(LOCAL_BUCKETS.processed, join(scratch, 'processed'));
    const profiler = request.profilePath ? await startProfiler() : undefined;
    const threadsBefore = threadCpu();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await runTransform({
      landing,
      processed,
      logger: silentLogger,
      manifestKey: request.manifestKey,
      workDir: scratch,
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (profiler && request.profilePath) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(request.profilePath, JSON.stringify(profile));
    }
    const threads = threadCpu();
    for (const [name, seconds] of Object.entries(threadsBefore)) {
      threads[name] = (threads[name] ?? 0) - seconds;
    }
    const tables = result.manifest?.tables ?? [];
    return {
      cpuSeconds: (used.user + used.system) / 1e6,
      seconds,
      rows: tables.reduce((sum, t) => sum + t.rows, 0),
      factRows: tables
        .filter((t) => t.table.startsWith('fact_'))
        .reduce((sum, t) => sum + t.rows, 0),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      phases,
      threads,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function startProfiler(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return session;
}

answerResult(run);
