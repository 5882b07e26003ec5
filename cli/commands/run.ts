import { runUntilCaughtUp } from '../../local/run-cycle';
import { runSummary } from '../command-summary';
import { consoleLogger } from '../console-logger';
import { formatCycleWithProgress } from '../cycle-summary';
import { openEnvironment } from '../environment';
import { Progress } from '../progress';
import { readSettings } from '../settings';

export async function runCommand(options: { verbose: boolean | undefined }): Promise<number> {
  const progress = new Progress('run');
  const settings = readSettings();
  const environment = await openEnvironment(settings, { s3: true, command: 'run' });
  try {
    const cycles = await runUntilCaughtUp(
      environment,
      {
        logger: consoleLogger(options.verbose ?? false, () => progress.clear()),
        overlapSeconds: settings.overlapSeconds,
        maxBatchRows: settings.maxBatchRows,
        progress,
      },
      (cycle, backfill) => {
        progress.clear();
        console.log(formatCycleWithProgress(cycle, backfill));
      },
    );
    progress.finish(runSummary(cycles));
    // 3: something was set aside (an object, or rows), for the operator to look at.
    const quarantined = cycles.some(
      ({ transform: { manifest } }) =>
        (manifest?.quarantined.length ?? 0) > 0 || (manifest?.quarantinedRows?.length ?? 0) > 0,
    );
    return quarantined ? 3 : 0;
  } finally {
    progress.close();
    await environment.stop();
  }
}
