/**
 * Runs one stage in its own process, so the peak RSS the benchmark reports is the stage's own:
 * `node --import tsx bench/stage-runner.ts '<json settings>'`. Prints one RESULT line of JSON.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../lambdas/ingest/ingest';
import { PostgresSource } from '../lambdas/ingest/postgres-source';
import { runLoad } from '../lambdas/load/load';
import { PostgresWarehouseWriter } from '../lambdas/load/postgres-warehouse-writer';
import { silentLogger } from '../lambdas/shared/ports/stage-logger';
import { setPhaseRecorder } from '../lambdas/shared/phase-timer';
import { runTransform } from '../lambdas/transform/transform';
import { openPipeline } from '../local/pipeline-context';
import type { StageRequest, StageResult } from './stage-protocol';
import { answerResult } from './stage-protocol';
import { TRANSACTION_PHASE, watchBackends } from './source-cost';

async function run(request: StageRequest): Promise<StageResult> {
  const phases: Record<string, number> = {};
  const longest: Record<string, number> = {};
  setPhaseRecorder((phase, ms) => {
    phases[phase] = (phases[phase] ?? 0) + ms;
    longest[phase] = Math.max(longest[phase] ?? 0, ms);
  });
  const context = openPipeline(request.pipeline);
  const started = performance.now();
  try {
    switch (request.stage) {
      case 'ingest': {
        const sourceCpu = watchBackends(context.source);
        const result = await runIngest({
          source: new PostgresSource(context.source),
          landing: context.landing,
          watermarks: context.watermarks,
          logger: silentLogger,
          overlapSeconds: request.overlapSeconds,
          maxBatchRows: request.maxBatchRows,
        });
        const seconds = (performance.now() - started) / 1000;
        const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
        const bytes = result.manifest.tables.reduce((sum, t) => sum + t.bytes, 0);
        return {
          ...finish(request, seconds, rows, phases, result.manifestKey, {
            bytes,
            objects: result.manifest.tables.reduce((sum, t) => sum + t.keys.length, 0),
            sourceCpuSeconds: sourceCpu(),
            longestTransactionSeconds: (longest[TRANSACTION_PHASE] ?? 0) / 1000,
          }),
          caughtUp: result.caughtUp,
        };
      }
      case 'transform': {
        const workDir = await mkdtemp(join(tmpdir(), 'dlv-bench-transform-'));
        try {
          const result = await runTransform({
            landing: context.landing,
            processed: context.processed,
            logger: silentLogger,
            manifestKey: request.manifestKey,
            workDir,
          });
          const seconds = (performance.now() - started) / 1000;
          const tables = result.manifest?.tables ?? [];
          const rows = tables.reduce((sum, t) => sum + t.rows, 0);
          const factRows = tables
            .filter((t) => t.table.startsWith('fact_'))
            .reduce((sum, t) => sum + t.rows, 0);
          return finish(request, seconds, rows, phases, result.manifestKey, { factRows });
        } finally {
          await rm(workDir, { recursive: true, force: true });
        }
      }
      case 'load': {
        const result = await runLoad({
          processed: context.processed,
          warehouse: new PostgresWarehouseWriter(context.warehouse),
          logger: silentLogger,
          manifestKey: request.manifestKey,
        });
        const seconds = (performance.now() - started) / 1000;
        const rows = result.tables.reduce((sum, t) => sum + t.staged, 0);
        const written = result.tables.reduce((sum, t) => sum + t.written, 0);
        return finish(request, seconds, rows, phases, request.manifestKey, { written });
      }
    }
  } finally {
    await context.close();
  }
}

function finish(
  request: StageRequest,
  seconds: number,
  rows: number,
  phases: Record<string, number>,
  manifestKey: string,
  extra: Record<string, number>,
): StageResult {
  // maxRSS is in kilobytes: the high-water mark of this process, which ran only the stage.
  const usage = process.resourceUsage();
  const peakRssMb = usage.maxRSS / 1024;
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  return {
    stage: request.stage,
    seconds,
    rows,
    peakRssMb,
    phases,
    manifestKey,
    extra: { ...extra, cpuSeconds },
  };
}

answerResult(run);
