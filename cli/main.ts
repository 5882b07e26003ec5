import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, selectedEnvironment, type OptionValues } from './arguments';
import { commandHelp, COMMANDS, generalHelp, type CommandName } from './command-specs';
import type * as ErrorLineModule from './error-line';
import { EXIT } from './exit-codes';
import { loadModule } from './load-module';
import { stateDirOf, UsageError } from './settings';
import type * as AnalyticsModule from './commands/analytics';
import type * as DeletesModule from './commands/deletes';
import type * as DemoModule from './commands/demo';
import type * as DoctorModule from './commands/doctor';
import type * as PauseModule from './commands/pause';
import type * as RedriveModule from './commands/redrive';
import type * as ReplayModule from './commands/replay';
import type * as ResyncModule from './commands/resync';
import type * as RunModule from './commands/run';
import type * as SeedModule from './commands/seed';
import type * as SqlModule from './commands/sql';
import type * as StatusModule from './commands/status';

/** What a command is given: its options, its operand, and the deployed environment if any. */
interface Invocation<N extends CommandName> {
  readonly values: OptionValues<(typeof COMMANDS)[N]>;
  readonly operand: string | undefined;
  readonly env: string | undefined;
}

/**
 * Each command, loaded only when it runs: a command pays for its own modules, and `--help`
 * for none.
 */
const RUN: { readonly [N in CommandName]: (call: Invocation<N>) => Promise<number> } = {
  seed: async ({ values }) =>
    loadModule<typeof SeedModule>(__filename, './commands/seed').seedCommand(values),
  run: async ({ values }) =>
    loadModule<typeof RunModule>(__filename, './commands/run').runCommand(values),
  demo: async ({ values }) =>
    loadModule<typeof DemoModule>(__filename, './commands/demo').demoCommand(values),
  status: async ({ values, env }) =>
    loadModule<typeof StatusModule>(__filename, './commands/status').statusCommand({
      ...values,
      env,
    }),
  replay: async ({ values, env }) =>
    loadModule<typeof ReplayModule>(__filename, './commands/replay').replayCommand({
      ...values,
      env,
    }),
  redrive: async ({ values, env }) =>
    loadModule<typeof RedriveModule>(__filename, './commands/redrive').redriveCommand({
      ...values,
      env,
    }),
  pause: async ({ values, env }) =>
    loadModule<typeof PauseModule>(__filename, './commands/pause').pauseCommand({
      ...values,
      env,
    }),
  resume: async ({ values, env }) =>
    loadModule<typeof PauseModule>(__filename, './commands/pause').resumeCommand({
      ...values,
      env,
    }),
  resync: async ({ values, env }) =>
    loadModule<typeof ResyncModule>(__filename, './commands/resync').resyncCommand({
      ...values,
      env,
    }),
  deletes: async ({ values, env }) =>
    loadModule<typeof DeletesModule>(__filename, './commands/deletes').deletesCommand({
      ...values,
      env,
    }),
  analytics: async ({ values }) =>
    loadModule<typeof AnalyticsModule>(__filename, './commands/analytics').analyticsCommand(values),
  doctor: async ({ values, env }) =>
    loadModule<typeof DoctorModule>(__filename, './commands/doctor').doctorCommand({
      ...values,
      env,
    }),
  sql: async ({ values, operand }) =>
    loadModule<typeof SqlModule>(__filename, './commands/sql').sqlCommand(values, operand),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return `deliverance ${pkg.version}`;
}

let verbose = false;
/**
 * A command has begun: it may hold servers and sockets, so the process exits when it ends.
 * Before that (help, version, a usage error) it ends by itself, which lets tsx finish writing
 * its compile cache: a process.exit() there would leave the next --help compiling again.
 */
let started = false;

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, COMMANDS);
  if (line.kind === 'version') {
    console.log(version());
    return 0;
  }
  if (line.kind === 'help') {
    console.log(line.command ? commandHelp(line.command) : generalHelp());
    return 0;
  }
  verbose = line.values.verbose ?? false;
  const spec = COMMANDS[line.command];
  const env = selectedEnvironment('env' in line.values ? line.values.env : undefined);
  if (env !== undefined && !spec.deployed) {
    throw new UsageError(
      `${line.command} works on the local state folder only: unset DELIVERANCE_ENV or drop --env ${env}`,
    );
  }
  const run = RUN[line.command] as (call: Invocation<CommandName>) => Promise<number>;
  started = true;
  return run({ values: line.values, operand: line.operand, env });
}

/** The one line of a failure, and its exit code; the embedded servers stop on the way out. */
function fail(error: unknown): void {
  // Loaded on a failure only: --help and --version do without its modules.
  const { errorLine } = loadModule<typeof ErrorLineModule>(__filename, './error-line');
  const { line, code } = errorLine(error, stateDirOf());
  console.error(`deliverance: ${line}`);
  if (verbose || process.env.DELIVERANCE_DEBUG) {
    console.error(error instanceof Error ? error.stack : error);
  }
  end(code);
}

function end(code: number): void {
  if (started) process.exit(code);
  process.exitCode = code;
}

/**
 * Ctrl-C: one line, then exit 130 once whatever holds servers has stopped them (their own
 * SIGINT handlers exit); a second Ctrl-C leaves at once.
 */
function interrupted(): void {
  console.error('deliverance: interrupted (Ctrl-C); what finished before it stays done');
  process.once('SIGINT', () => process.exit(EXIT.interrupted));
  if (process.listenerCount('SIGINT') <= 1) process.exit(EXIT.interrupted);
  setTimeout(() => process.exit(EXIT.interrupted), 15_000).unref();
}

// A fault the local S3 server meets writing a file (a full disk) escapes its request.
process.on('uncaughtException', fail);
process.prependOnceListener('SIGINT', interrupted);
main(process.argv.slice(2)).then(end, fail);
