import { seedTotesys } from '../../local/seed/seed-totesys';
import { seedSummary } from '../command-summary';
import { openEnvironment } from '../environment';
import { Progress } from '../progress';
import { readSettings } from '../settings';

/** `deliverance seed [--scale N]`; the scale is checked by the command line (cli/command-specs.ts). */
export async function seedCommand(options: { scale?: number }): Promise<number> {
  const scale = options.scale ?? 1;
  const progress = new Progress('seed');
  const settings = readSettings();
  const environment = await openEnvironment(settings, { s3: false, command: 'seed' });
  try {
    progress.start('totesys');
    const summary = await seedTotesys(environment.sourceUrl, {
      scale,
      log: (line) => progress.print(line),
      progress,
    });
    progress.finish(seedSummary(scale, summary.rows));
    return 0;
  } finally {
    progress.close();
    await environment.stop();
  }
}
