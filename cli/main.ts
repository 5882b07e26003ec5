import { parseArgs } from 'node:util';
import { runCommand } from './commands/run';
import { seedCommand } from './commands/seed';
import { demoCommand } from './commands/demo';
import { statusCommand } from './commands/status';
import { replayCommand } from './commands/replay';
import { analyticsCommand } from './commands/analytics';
import { UsageError } from './settings';

const USAGE = `Usage: deliverance <command> [options]

Commands:
  seed --scale N        fill the totesys database with deterministic generated data
  run [--verbose]       one cycle: ingest → transform → load, then a per-table summary
  demo                  the whole story on a throw-away embedded stack
  status [--limit N] [--json] [--html FILE]
                        per table: watermark, last batch, rows, freshness, stage states;
                        the last N runs (default 10) with durations; failures and gaps
  replay --batch ID [--stage transform|load] [--force]
                        re-run one batch from its landing (transform, then load) or
                        processed (load) objects; a batch already done is left as it is
                        unless --force (rewrites processed objects, re-applies the load)
  analytics [--html FILE]
                        the analyst views' answers: a text summary, or a page of charts

Environment: DELIVERANCE_SOURCE_URL, DELIVERANCE_WAREHOUSE_URL (PostgreSQL URLs; unset = an
embedded PostgreSQL under the state folder), DELIVERANCE_STATE_DIR (default .deliverance),
DELIVERANCE_S3_ENDPOINT (unset = a local S3-compatible server), DELIVERANCE_OVERLAP_SECONDS.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      scale: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      batch: { type: 'string' },
      stage: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  if (!command || command === 'help' || values.help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  switch (command) {
    case 'seed':
      return seedCommand({ scale: values.scale });
    case 'run':
      return runCommand({ verbose: values.verbose });
    case 'demo':
      return demoCommand({ scale: values.scale, verbose: values.verbose });
    case 'status':
      return statusCommand({ limit: values.limit, json: values.json, html: values.html });
    case 'replay':
      return replayCommand({
        batch: values.batch,
        stage: values.stage,
        force: values.force,
        verbose: values.verbose,
      });
    case 'analytics':
      return analyticsCommand({ html: values.html });
    default:
      throw new UsageError(`Unknown command "${command}". Run "deliverance help" for the list.`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`deliverance: ${message}`);
    if (process.env.DELIVERANCE_DEBUG && error instanceof Error) console.error(error.stack);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
