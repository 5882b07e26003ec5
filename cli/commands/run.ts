import { runCycle } from '../../local/run-cycle';
import { consoleLogger } from '../console-logger';
import { formatCycleSummary } from '../cycle-summary';
import { openEnvironment } from '../environment';
import { readSettings } from '../settings';

export async function runCommand(options: { verbose: boolean | undefined }): Promise<number> {
  const settings = readSettings();
  const environment = await openEnvironment(settings);
  try {
    const cycle = await runCycle(environment, {
      logger: consoleLogger(options.verbose ?? false),
      overlapSeconds: settings.overlapSeconds,
    });
    console.log(formatCycleSummary(cycle));
    return (cycle.transform.manifest?.quarantined.length ?? 0) > 0 ? 3 : 0;
  } finally {
    await environment.stop();
  }
}
