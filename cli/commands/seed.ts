import { seedTotesys } from '../../local/seed/seed-totesys';
import { seedSummary } from '../command-summary';
import { openEnvironment } from '../environment';
import { Progress } from '../progress';
import { readSettings, UsageError } from '../settings';

export async function seedCommand(options: { scale: string | undefined }): Promise<number> {
  const scale = Number(options.scale ?? '1');
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(`--scale must be a positive number, not ${options.scale}`);
  }
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
