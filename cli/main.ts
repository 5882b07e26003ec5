import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyticsCommand } from './commands/analytics';
import { demoCommand } from './commands/demo';
import { doctorCommand } from './commands/doctor';
import { pauseCommand, resumeCommand } from './commands/pause';
import { redriveCommand } from './commands/redrive';
import { replayCommand } from './commands/replay';
import { resyncCommand } from './commands/resync';
import { runCommand } from './commands/run';
import { seedCommand } from './commands/seed';
import { statusCommand } from './commands/status';
import { selectedEnvironment } from './remote/deployed-stack';
import { errorLine } from './error-line';
import { stateDirOf, UsageError } from './settings';

interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  readonly details: string;
  /** Works against a deployed stack with --env. */
  readonly deployed: boolean;
}

const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  seed: {
    usage: 'seed --scale N',
    summary: 'fill the totesys database with deterministic generated data',
    details: 'Scale 1 is about 10,000 sales orders. Local databases only.',
    deployed: false,
  },
  run: {
    usage: 'run [--verbose]',
    summary: 'one cycle: ingest → transform → load, then a per-table summary',
    details:
      'Drains a backlog over the cap per batch batch after batch, with a progress line per table.',
    deployed: false,
  },
  demo: {
    usage: 'demo [--scale N] [--verbose]',
    summary: 'the whole story on a throw-away embedded stack',
    details: 'Seeds, loads, changes totesys, loads again and queries the warehouse.',
    deployed: false,
  },
  status: {
    usage: 'status [--env NAME] [--limit N] [--wide | --table T] [--json] [--html FILE]',
    summary: 'per table: watermark, last batch, rows, freshness, stage states; runs; failures',
    details:
      'Freshness is "complete up to T (age)": the source time the newest loaded batch completes the\nwarehouse up to, as the freshness alarm measures it; the newest source change is shown beside it.\nWith --env also the dead-letter queue depths and the alarm states. --limit N runs (default 10).\nThe text fits 100 columns: --wide shows every column in full, --table T one table in detail.',
    deployed: true,
  },
  replay: {
    usage: 'replay [--env NAME] --batch ID [--stage transform|load] [--force | --purge]',
    summary: 're-run one batch from its landing (transform, then load) or processed (load) objects',
    details:
      'A batch already done is left as it is unless --force (local only: rewrites the processed\nobjects, re-applies the load). With --env the stage function is invoked with the S3 event of\nthe batch manifest and the outcome is reported. --purge (local only) gives up a batch parked\nfor a missing object: status lists it no more.',
    deployed: true,
  },
  redrive: {
    usage: 'redrive --env NAME [--stage transform|load]',
    summary: 'send dead-lettered events back to their function, batch by batch',
    details:
      'Each message of the queue (transform first, then load) is re-invoked with its original event\nand deleted only once its batch went through; a batch that fails again stays in the queue.',
    deployed: true,
  },
  pause: {
    usage: 'pause [--env NAME] --table T',
    summary: 'ingest leaves the table (and the tables after it in foreign-key order) as it is',
    details: 'Its watermark stays; status shows it as paused; resume reads on from there.',
    deployed: true,
  },
  resume: {
    usage: 'resume [--env NAME] --table T',
    summary: 'ingest reads a paused table again, from its unmoved watermark',
    details: 'Nothing is lost: the next ingest reads everything changed while it was paused.',
    deployed: true,
  },
  analytics: {
    usage: 'analytics [--html FILE]',
    summary: "the analyst views' answers: a text summary, or one page of charts",
    details:
      'Reads the analytics views of the local warehouse (run deliverance run first); --html FILE\nwrites one self-contained page of SVG charts and tables.',
    deployed: false,
  },
  resync: {
    usage: 'resync [--env NAME] --table T [--from TIMESTAMP]',
    summary: 're-read one paused table from a point (or from the start), touching no other',
    details:
      'Sets the watermark of a paused table back to --from (or forgets it: the whole table); resume\nit and ingest re-reads it batch by batch. The warehouse takes the rows again idempotently.',
    deployed: true,
  },
  doctor: {
    usage: 'doctor [--env NAME] [--json]',
    summary: 'check settings, connections, grants, watermarks (and with --env the stack) first',
    details:
      "One line per check, with the fix when it fails: each database's settings (with --env its\nsecret), connection and TLS, the source user's SELECT and pg_monitor, the warehouse user's\nCREATE and CREATEROLE, the buckets, the watermarks; with --env also recent failures, the\ndead-letter queues, the alarms and the alarm subscriptions. Starts no embedded server for\nwhat the settings point elsewhere, and creates no state. Exit 0: all passed; 1: a check\nfailed; 2: a usage error.",
    deployed: true,
  },
};

const ENVIRONMENT_HELP = `Environment: DELIVERANCE_ENV (as --env: a deployed stack, found by its SSM parameter
/deliverance/<env>/operations with your own AWS credentials and region), DELIVERANCE_SOURCE_URL,
DELIVERANCE_WAREHOUSE_URL (PostgreSQL URLs; unset = an embedded PostgreSQL under the state folder),
DELIVERANCE_STATE_DIR (default .deliverance), DELIVERANCE_S3_ENDPOINT (unset = a local
S3-compatible server), DELIVERANCE_OVERLAP_SECONDS, DELIVERANCE_MAX_BATCH_ROWS.`;

const USAGE = `Usage: deliverance <command> [options]   (deliverance <command> --help for one)

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}\n      ${c.summary}`)
  .join('\n')}

Options: --env NAME acts on a deployed stack instead of the local state folder; --help; --version.

${ENVIRONMENT_HELP}`;

function commandHelp(name: string, help: CommandHelp): string {
  return `Usage: deliverance ${help.usage}\n\n${help.summary}.\n${help.details}\n${help.deployed ? '' : `\n${name} works on the local state folder only (no --env).\n`}`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return `deliverance ${pkg.version}`;
}

function parse(rest: string[]) {
  try {
    return parseArgs({
      args: rest,
      options: {
        env: { type: 'string' },
        scale: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        wide: { type: 'boolean', default: false },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
        batch: { type: 'string' },
        stage: { type: 'string' },
        table: { type: 'string' },
        from: { type: 'string' },
        force: { type: 'boolean', default: false },
        purge: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util names the option ("Unknown option '--tabel'"); the rest is ours.
    throw new UsageError(`${(error as Error).message}. Run "deliverance --help" for the options`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...extra] = positionals;
  if (values.version || command === 'version') {
    console.log(version());
    return 0;
  }
  if (command === 'help') {
    const help = extra[0] === undefined ? undefined : COMMANDS[extra[0]];
    console.log(help ? commandHelp(extra[0] as string, help) : USAGE);
    return 0;
  }
  if (!command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const help = COMMANDS[command];
  if (!help) {
    throw new UsageError(`Unknown command "${command}". Run "deliverance --help" for the list`);
  }
  if (values.help) {
    console.log(commandHelp(command, help));
    return 0;
  }
  if (extra.length > 0) {
    throw new UsageError(
      `${command} takes no argument ${JSON.stringify(extra[0])}: its options are ${help.usage}`,
    );
  }
  const env = selectedEnvironment(values.env);
  if (env !== undefined && !help.deployed) {
    throw new UsageError(
      `${command} works on the local state folder only: unset DELIVERANCE_ENV or drop --env ${env}`,
    );
  }
  switch (command) {
    case 'seed':
      return seedCommand({ scale: values.scale });
    case 'run':
      return runCommand({ verbose: values.verbose });
    case 'demo':
      return demoCommand({ scale: values.scale, verbose: values.verbose });
    case 'status':
      return statusCommand({
        env,
        limit: values.limit,
        json: values.json,
        html: values.html,
        wide: values.wide,
        table: values.table,
      });
    case 'replay':
      return replayCommand({
        env,
        batch: values.batch,
        stage: values.stage,
        force: values.force,
        purge: values.purge,
        verbose: values.verbose,
      });
    case 'doctor':
      return doctorCommand({ env, json: values.json });
    case 'analytics':
      return analyticsCommand({ html: values.html });
    case 'redrive':
      return redriveCommand({ env, stage: values.stage });
    case 'pause':
      return pauseCommand({ env, table: values.table });
    case 'resume':
      return resumeCommand({ env, table: values.table });
    default:
      return resyncCommand({ env, table: values.table, from: values.from });
  }
}

/** The one line of a failure, and its exit code; the embedded servers stop on the way out. */
function fail(error: unknown): never {
  const { line, code } = errorLine(error, stateDirOf());
  console.error(`deliverance: ${line}`);
  if (process.env.DELIVERANCE_DEBUG) console.error(error instanceof Error ? error.stack : error);
  process.exit(code);
}

// A fault the local S3 server meets writing a file (a full disk) escapes its request.
process.on('uncaughtException', fail);
main(process.argv.slice(2)).then((code) => process.exit(code), fail);
