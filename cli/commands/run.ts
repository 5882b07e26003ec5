import { SourceSchemaError } from '../../lambdas/ingest/live-columns';
import { runUntilCaughtUp, type CycleResult } from '../../local/run-cycle';
import { runSummary } from '../command-summary';
import { consoleLogger } from '../console-logger';
import { formatCycleWithProgress } from '../cycle-summary';
import { openEnvironment } from '../environment';
import { EXIT } from '../exit-codes';
import { Progress } from '../progress';
import { runDeletesOf } from '../run-deletes';
import { readSettings, type CliSettings } from '../settings';

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * What `run --json` prints: the batches this run went through, and their totals; `deletes` where
 * a batch reconciled deletes (run-deletes.ts), per batch and for the run.
 */
function runReport(stateDir: string, cycles: readonly CycleResult[], seconds: number) {
  const batches = cycles.map(({ ingest, transform, load }) => {
    const deletes = runDeletesOf([ingest]);
    return {
      batchId: ingest.batchId,
      landed: sum(ingest.manifest.tables.map((t) => t.rows)),
      loaded: sum(load.tables.map((t) => t.written)),
      setAside: sum((transform.manifest?.quarantinedRows ?? []).map((q) => q.rows)),
      quarantinedObjects: transform.manifest?.quarantined.length ?? 0,
      caughtUp: ingest.caughtUp,
      ...(deletes ? { deletes } : {}),
    };
  });
  const deletes = runDeletesOf(cycles.map((c) => c.ingest));
  const total = (key: 'landed' | 'loaded' | 'setAside' | 'quarantinedObjects') =>
    sum(batches.map((b) => b[key]));
  return {
    stateDir,
    seconds: Math.round(seconds * 100) / 100,
    landed: total('landed'),
    loaded: total('loaded'),
    setAside: total('setAside'),
    quarantinedObjects: total('quarantinedObjects'),
    ...(deletes ? { deletes } : {}),
    batches,
  };
}

/** An empty embedded totesys is one not seeded yet: say so rather than blame the settings. */
function unseeded(error: unknown, settings: CliSettings): unknown {
  if (!(error instanceof SourceSchemaError) || settings.sourceUrl !== undefined) return error;
  if (!/does not exist/.test(error.message)) return error;
  return new Error(
    `The embedded totesys database in ${settings.stateDir} has no source tables yet: seed it first (deliverance seed --scale 1) or set DELIVERANCE_SOURCE_URL to your totesys`,
    { cause: error },
  );
}

/**
 * `deliverance run [--json]`: batch after batch until caught up. Exit 3 when something was
 * set aside (an object, or rows), the source's TimeZone stepped back, a schema change stopped a
 * table, or the deletes guard held a table's deletes, for the operator to look at.
 */
export async function runCommand(options: { json?: boolean; verbose?: boolean }): Promise<number> {
  const progress = new Progress('run');
  const settings = readSettings();
  const started = performance.now();
  // With --json, stdout is the report alone: the cycle lines go to stderr with the progress.
  const say = options.json ? console.error : console.log;
  const environment = await openEnvironment(settings, { s3: true, command: 'run' });
  try {
    const cycles = await runUntilCaughtUp(
      environment,
      {
        logger: consoleLogger(options.verbose ?? false, () => progress.clear()),
        overlapSeconds: settings.overlapSeconds,
        maxBatchRows: settings.maxBatchRows,
        schemaContract: settings.schemaContract,
        deletesTunings: settings,
        progress,
      },
      (cycle, backfill) => {
        progress.clear();
        say(formatCycleWithProgress(cycle, backfill));
      },
    ).catch((error: unknown) => {
      throw unseeded(error, settings);
    });
    progress.finish(runSummary(cycles));
    const report = runReport(settings.stateDir, cycles, (performance.now() - started) / 1000);
    if (options.json) console.log(JSON.stringify(report, null, 2));
    // Something needs the operator's look: an object or rows set aside, the source's TimeZone
    // stepped back (its windows were moved back, nothing skipped), a schema change stopped a table,
    // or the deletes guard held a table's deletes.
    const needsAttention =
      report.setAside + report.quarantinedObjects > 0 ||
      cycles.some(({ ingest }) => ingest.zoneStepBack !== undefined) ||
      cycles.some(({ ingest }) => ingest.schema.stopped.length > 0) ||
      Object.keys(report.deletes?.held ?? {}).length > 0;
    return needsAttention ? EXIT.attention : 0;
  } finally {
    progress.close();
    await environment.stop();
  }
}
