import { seedTotesys } from '../../local/seed/seed-totesys';
import { openEnvironment } from '../environment';
import { readSettings } from '../settings';

/** `deliverance seed [--scale N]`; the scale is checked by the command line (cli/command-specs.ts). */
export async function seedCommand(options: { scale?: number }): Promise<number> {
  const scale = options.scale ?? 1;
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
