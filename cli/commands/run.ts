import { runUntilCaughtUp } from '../../local/run-cycle';
import { consoleLogger } from '../console-logger';
import { formatCycleWithProgress } from '../cycle-summary';
import { openEnvironment } from '../environment';
import { readSettings } from '../settings';

export async function runCommand(options: { verbose: boolean | undefined }): Promise<number> {
  const settings = readSettings();
  const environment = await openEnvironment(settings, { s3: true, command: 'run' });
  try {
    const cycles = await runUntilCaughtUp(
      environment,
      {
        logger: consoleLogger(options.verbose ?? false),
        overlapSeconds: settings.overlapSeconds,
        maxBatchRows: settings.maxBatchRows,
      },
      (cycle, progress) => console.log(formatCycleWithProgress(cycle, progress)),
    );
    // 3: something needs the operator's look: an object or rows set aside, or the source's
    // TimeZone stepped back (its windows were moved back, nothing skipped).
    const needsAttention = cycles.some(
      ({ ingest, transform: { manifest } }) =>
        (manifest?.quarantined.length ?? 0) > 0 ||
        (manifest?.quarantinedRows?.length ?? 0) > 0 ||
        ingest.zoneStepBack !== undefined,
    );
    return needsAttention ? 3 : 0;
  } finally {
    await environment.stop();
  }
}
