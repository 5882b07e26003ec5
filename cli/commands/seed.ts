import { seedTotesys } from '../../local/seed/seed-totesys';
import { openEnvironment } from '../environment';
import { readSettings, UsageError } from '../settings';

export async function seedCommand(options: { scale: string | undefined }): Promise<number> {
  const scale = Number(options.scale ?? '1');
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(`--scale must be a positive number, not ${options.scale}`);
  }
  const settings = readSettings();
  const environment = await openEnvironment(settings, { s3: false, command: 'seed' });
  try {
    const summary = await seedTotesys(environment.sourceUrl, {
      scale,
      log: (line) => console.log(line),
    });
    const total = Object.values(summary.rows).reduce((a, b) => a + b, 0);
    console.log(`Seeded totesys at scale ${scale}: ${total} rows in ${summary.seconds} s`);
    return 0;
  } finally {
    await environment.stop();
  }
}
