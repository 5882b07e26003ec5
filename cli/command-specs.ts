/**
 * Every command's options and help, in one table the parser (cli/arguments.ts) and the help
 * read. Nothing here loads a command's modules: `--help` answers from this file alone.
 */
import { SOURCE_TABLE_NAMES } from '../contract/source-catalogue';
import type { ReplayedStage } from '../contract/operations';
import {
  COMMON_OPTIONS,
  optionRange,
  optionUsage,
  type CommandSpec,
  type OptionSpec,
} from './arguments';
import { EXIT } from './exit-codes';

const env = {
  type: 'string',
  value: 'NAME',
  help: 'act on the deployed stack NAME (default DELIVERANCE_ENV) instead of the state folder',
} as const;
const json = {
  type: 'boolean',
  help: 'print one JSON document on stdout instead of text',
} as const;
const table = {
  type: 'string',
  value: 'T',
  choices: SOURCE_TABLE_NAMES,
  required: true,
  help: 'the source table',
} as const;
const scale = {
  type: 'number',
  value: 'N',
  min: 0,
  aboveMin: true,
  max: 1000,
  help: 'how much to generate: scale 1 is about 10,000 sales orders (default 1)',
} as const;
// Literal rather than contract/operations' list, whose imports --help would pay for.
const REPLAYED_STAGES = ['transform', 'load'] as const satisfies readonly ReplayedStage[];
const runTable = {
  table:
    'run reads every table in one batch, in foreign-key order; to hold tables back, deliverance pause --table T',
};

export const COMMANDS = {
  seed: {
    summary: 'fill the totesys database with deterministic generated data',
    details: 'Local databases only.',
    deployed: false,
    options: { scale },
  },
  run: {
    summary: 'one cycle: ingest → transform → load, then a per-table summary',
    details:
      'Drains a backlog over the cap per batch batch after batch, with a progress line per table.\nPer batch also what its deletes reconciliation landed and what its guard holds. Exit 3 when it\nset rows or objects aside, or the deletes guard held a table (deliverance status shows them).',
    deployed: false,
    options: { json },
    elsewhere: runTable,
  },
  demo: {
    summary: 'the whole story on a throw-away embedded stack',
    details: 'Seeds, loads, changes totesys, loads again and queries the warehouse.',
    deployed: false,
    options: { scale },
  },
  status: {
    summary: 'per table: watermark, last batch, rows, freshness, stage states; runs; failures',
    details:
      'Freshness is "complete up to T (age)": the source time the newest loaded batch completes the\nwarehouse up to, as the freshness alarm measures it; the newest source change is shown beside it.\nWith --env also the dead-letter queue depths and the alarm states. Exit 3 when something needs\nattention (paused tables, failures, parked batches, gaps, rows set aside, dead letters, alarms),\nas when there is no state yet; creates no state.',
    deployed: true,
    options: {
      env,
      limit: {
        type: 'number',
        value: 'N',
        integer: true,
        min: 1,
        max: 1000,
        help: 'the newest N runs (default 10)',
      },
      json,
      html: { type: 'string', value: 'FILE', help: 'also write the report as one HTML page' },
      wide: { type: 'boolean', help: 'every column in full (wider than 100 columns)' },
      table: {
        type: 'string',
        value: 'T',
        choices: SOURCE_TABLE_NAMES,
        help: 'one source table in detail',
      },
    },
    exclusive: [['wide', 'table']],
  },
  replay: {
    summary: 're-run one batch from its landing (transform, then load) or processed (load) objects',
    details:
      'A batch already done is left as it is unless --force (local only: rewrites the processed\nobjects, re-applies the load). With --env the stage function is invoked with the S3 event of\nthe batch manifest and the outcome is reported. --purge (local only) gives up a batch parked\nfor a missing object: status lists it no more.',
    deployed: true,
    options: {
      env,
      batch: { type: 'string', value: 'ID', required: true, help: 'the batch id' },
      stage: {
        type: 'string',
        value: 'STAGE',
        choices: REPLAYED_STAGES,
        help: 'where to start (default transform)',
      },
      force: { type: 'boolean', help: 'redo a batch already done (local only)' },
      purge: { type: 'boolean', help: 'give up a parked batch (local only)' },
      json,
    },
    exclusive: [['force', 'purge']],
  },
  redrive: {
    summary: 'send dead-lettered events back to their function, batch by batch',
    details:
      'Each message of the queue (transform first, then load) is re-invoked with its original event\nand deleted only once its batch went through; a batch that fails again stays in the queue\n(exit 3).',
    deployed: true,
    options: {
      env: { ...env, required: true },
      stage: {
        type: 'string',
        value: 'STAGE',
        choices: REPLAYED_STAGES,
        help: 'only this queue (default both)',
      },
      json,
    },
  },
  pause: {
    summary: 'ingest leaves the table (and the tables after it in foreign-key order) as it is',
    details: 'Its watermark stays; status shows it as paused; resume reads on from there.',
    deployed: true,
    options: { env, table, json },
  },
  resume: {
    summary: 'ingest reads a paused table again, from its unmoved watermark',
    details: 'Nothing is lost: the next ingest reads everything changed while it was paused.',
    deployed: true,
    options: { env, table, json },
  },
  resync: {
    summary: 're-read one paused table from a point (or from the start), touching no other',
    details:
      'Sets the watermark of a paused table back to --from (or forgets it: the whole table); resume\nit and ingest re-reads it batch by batch. The warehouse takes the rows again idempotently.',
    deployed: true,
    options: {
      env,
      table,
      from: {
        type: 'string',
        value: 'TIMESTAMP',
        help: 'a UTC timestamp such as 2026-11-23T04:30:00Z (default: the whole table)',
      },
      json,
    },
  },
  deletes: {
    summary: 'reconcile deletes now: the keys the source no longer has land as tombstones',
    details:
      "Compares each table's primary keys with the keys the warehouse holds alive, range by range,\nin an ingest run (locally a whole cycle; with --env the ingest function is invoked), and prints\nper table the keys compared and read and the tombstones landed. A run that finds more than\nDELIVERANCE_DELETES_GUARD_PERCENT (default 5) of a table gone lands none: the guard holds them\n(exit 3) until --confirm lands them.",
    deployed: true,
    options: {
      env,
      table: {
        type: 'string',
        value: 'T',
        choices: SOURCE_TABLE_NAMES,
        help: 'only this source table (default every table)',
      },
      confirm: { type: 'boolean', help: 'land the deletes the guard holds' },
      json,
    },
  },
  analytics: {
    summary: "the analyst views' answers: a text summary, or one page of charts",
    details:
      'Reads the analytics views of the local warehouse (run deliverance run first); --html FILE\nwrites one self-contained page of SVG charts and tables. Creates no state.',
    deployed: false,
    options: {
      html: { type: 'string', value: 'FILE', help: 'write one page of charts and tables' },
      json,
    },
    exclusive: [['html', 'json']],
  },
  doctor: {
    summary: 'check settings, connections, grants, watermarks (and with --env the stack) first',
    details:
      "One line per check, with the fix when it fails: each database's settings (with --env its\nsecret), connection and TLS, the source user's SELECT and pg_monitor, the warehouse user's\nCREATE and CREATEROLE, the buckets, the watermarks, the schema changes, the deletes the guard\nholds and a deletes reconciliation overdue; with --env also recent failures, the dead-letter\nqueues, the alarms and the alarm subscriptions. Starts no embedded server for what the\nsettings point elsewhere, and creates no state. Exit 0: all passed; 1: a check failed; 2: a\nusage error.",
    deployed: true,
    options: { env, json },
  },
  sql: {
    summary: 'query the local warehouse or source, open psql on it, or print its URL',
    details:
      'Starts the embedded PostgreSQL of the state folder for the query and stops it after (or uses\nthe servers of the command holding the folder); with --url or --psql it keeps it up until\nCtrl-C or psql ends. Writes go through: change the source, then deliverance run. Creates no\nstate.',
    deployed: false,
    operand: { name: 'QUERY', help: 'SQL, quoted as one argument' },
    options: {
      warehouse: { type: 'boolean', help: 'the warehouse database (the default)' },
      source: { type: 'boolean', help: 'the totesys source database' },
      url: {
        type: 'boolean',
        help: 'print the connection URL and keep the server up until Ctrl-C',
      },
      psql: { type: 'boolean', help: 'open psql on the database (needs psql on PATH)' },
      json,
    },
    exclusive: [
      ['warehouse', 'source'],
      ['QUERY', 'url', 'psql'],
      ['json', 'url', 'psql'],
    ],
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

export type CommandName = keyof typeof COMMANDS;

function usageLine(name: string, spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([option, o]) => optionUsage(option, o));
  const operand = spec.operand ? [`[${spec.operand.name}]`] : [];
  return ['deliverance', name, ...options, ...operand, '[-v]'].join(' ');
}

function optionLines(spec: CommandSpec): string {
  const all: [string, OptionSpec][] = [
    ...Object.entries(spec.options),
    ...Object.entries(COMMON_OPTIONS),
  ];
  const rows = all.map(([name, o]) => {
    const flag = `${o.type === 'boolean' && o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'boolean' ? '' : ` ${o.value}`}`;
    const range =
      o.type === 'number' || (o.type === 'string' && o.choices) ? ` (${optionRange(o)})` : '';
    return [flag, `${o.help}${range}`] as const;
  });
  if (spec.operand) rows.unshift([`    ${spec.operand.name}`, spec.operand.help]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`).join('\n');
}

const EXIT_CODES = `Exit codes: 0 done; ${EXIT.failure} failed; ${EXIT.usage} a wrong option or setting; ${EXIT.attention} done, but something needs
attention (rows set aside, paused tables, failures, parked batches, no state yet); ${EXIT.localFault} the machine
failed the local stack (disk, permissions, open files); ${EXIT.stateFolderBusy} another command holds the state
folder; ${EXIT.interrupted} interrupted (Ctrl-C).`;

const ENVIRONMENT_HELP = `Environment: DELIVERANCE_ENV (as --env: a deployed stack, found by its SSM parameter
/deliverance/<env>/operations with your own AWS credentials and region), DELIVERANCE_SOURCE_URL,
DELIVERANCE_WAREHOUSE_URL (PostgreSQL URLs; unset = an embedded PostgreSQL under the state folder),
DELIVERANCE_STATE_DIR (default .deliverance), DELIVERANCE_S3_ENDPOINT (unset = a local
S3-compatible server), DELIVERANCE_OVERLAP_SECONDS, DELIVERANCE_MAX_BATCH_ROWS,
DELIVERANCE_DELETES_SCHEDULE, DELIVERANCE_MAX_DELETES_PER_RUN, DELIVERANCE_DELETES_GUARD_PERCENT.`;

/** `deliverance --help`. */
export function generalHelp(): string {
  const commands = Object.entries(COMMANDS)
    .map(([name, spec]) => `  ${name.padEnd(10)} ${spec.summary}`)
    .join('\n');
  return `Usage: deliverance <command> [options]   (deliverance <command> --help for one)

Commands:
${commands}

Every command takes -h/--help and -v/--verbose; those that report take --json (stdout is then
one JSON document). --env NAME acts on a deployed stack instead of the local state folder.
deliverance --version (-V, -v) prints the version.

${EXIT_CODES}

${ENVIRONMENT_HELP}
`;
}

/** `deliverance <command> --help`. */
export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  return `Usage: ${usageLine(name, spec)}

${spec.summary}.
${spec.details}

Options:
${optionLines(spec)}
${spec.deployed ? '' : `\n${name} works on the local state folder only (no --env).\n`}
${EXIT_CODES}
`;
}
