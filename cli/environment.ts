import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Endpoint } from '../lambdas/shared/adapters/s3-object-store';
import { startLocalStack, type LocalStack } from '../local/local-stack';
import { localPostgresUrl } from '../local/embedded-postgres';
import { openPipeline, type PipelineContext } from '../local/pipeline-context';
import { LOCAL_S3_CREDENTIALS } from '../local/s3-server';
import {
  lockStateFolder,
  stateFolderHolder,
  StateFolderBusyError,
  type StateLock,
  type StateLockHolder,
} from '../local/state-lock';
import { requirePostgresUrl } from './postgres-url';
import type { CliSettings } from './settings';
import { terminalText } from './terminal-text';

export interface Environment extends PipelineContext {
  readonly sourceUrl: string;
  readonly warehouseUrl: string;
  readonly stack: LocalStack | undefined;
  stop(): Promise<void>;
}

export interface EnvironmentUse {
  /** The command needs the buckets too, not only the databases. */
  readonly s3: boolean;
  /** The command's name, for the lock and the messages of those it keeps waiting. */
  readonly command?: string;
  /**
   * The command only reads (status, analytics, sql): while another command holds the state
   * folder it uses that command's servers instead of waiting for them, and it creates no state:
   * a state folder without the parts it reads is a {@link NoStateError}.
   */
  readonly readOnly?: boolean;
}

/** A read-only command found no state to read in the state folder. */
export class NoStateError extends Error {
  constructor(
    readonly stateDir: string,
    message: string,
  ) {
    super(message);
    this.name = 'NoStateError';
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Whether the state folder holds an embedded PostgreSQL (deliverance seed or run made it). */
export const hasEmbeddedPostgres = (stateDir: string) =>
  exists(join(stateDir, 'postgres', 'data', 'PG_VERSION'));

/** The parts a read-only command needs that the state folder lacks, and what makes them. */
async function requireState(stateDir: string, postgres: boolean, s3: boolean): Promise<void> {
  const missing = [
    ...(postgres && !(await hasEmbeddedPostgres(stateDir)) ? ['no embedded PostgreSQL'] : []),
    ...(s3 && !(await exists(join(stateDir, 's3'))) ? ['no local S3 buckets'] : []),
  ];
  if (missing.length > 0) {
    throw new NoStateError(
      stateDir,
      `No state yet in ${stateDir} (${missing.join(', ')}): deliverance seed --scale 1 then deliverance run make it, or set DELIVERANCE_STATE_DIR to the folder that has it`,
    );
  }
}

/** The first line a command on local state prints (on stderr): which state folder, and how. */
export const stateFolderLine = (stateDir: string, how: string) =>
  console.error(terminalText(`state folder ${stateDir}${how ? ` (${how})` : ''}`));

/** How long a read-only command waits for a starting holder to say where its servers are. */
const SERVERS_WAIT_MS = 10_000;

/** A notice about the state folder on stderr, as the stages' warnings are (a failure is not). */
export const stateNotice = (line: string) => console.error(`  ! ${terminalText(line)}`);

/** The local servers a command works on, and how to let go of them (and of the state folder). */
export interface LocalServers {
  readonly servers: Servers | undefined;
  /** The servers this command started itself; undefined when it shares a holder's or needs none. */
  readonly stack: LocalStack | undefined;
  readonly lock: StateLock | undefined;
  release(): Promise<void>;
}

/**
 * An embedded server under the state folder for each database and bucket the settings leave
 * out. A command that starts servers or writes holds the state folder (one at a time, see
 * lockStateFolder) until `release`; a read-only one uses the servers of the command holding it.
 */
export async function localServers(
  settings: CliSettings,
  uses: EnvironmentUse = { s3: true },
): Promise<LocalServers> {
  const command = uses.command ?? process.argv[2] ?? 'command';
  const needsPostgres = !settings.sourceUrl || !settings.warehouseUrl;
  const needsS3 = uses.s3 && !settings.s3Endpoint;
  const needsServers = needsPostgres || needsS3;
  const none = async () => undefined;
  if (uses.readOnly && !needsServers) {
    return { servers: undefined, stack: undefined, lock: undefined, release: none };
  }
  if (uses.readOnly) {
    const shared = await serversOfHolder(settings.stateDir, command, needsPostgres, needsS3);
    if (shared) {
      stateFolderLine(settings.stateDir, `the servers of ${shared.holder}`);
      return { servers: shared, stack: undefined, lock: undefined, release: none };
    }
    await requireState(settings.stateDir, needsPostgres, needsS3);
  }
  const lock = await lockStateFolder(settings.stateDir, command, stateNotice);
  try {
    if (needsServers) {
      stateFolderLine(
        settings.stateDir,
        [needsPostgres ? 'embedded PostgreSQL' : '', needsS3 ? 'local S3' : '']
          .filter(Boolean)
          .join(' and '),
      );
    }
    const stack = needsServers
      ? await startLocalStack(
          settings.stateDir,
          { postgres: needsPostgres, s3: needsS3 },
          stateNotice,
        )
      : undefined;
    if (stack) {
      await lock.publish({ postgresPort: stack.postgres?.port, s3Url: stack.s3?.endpoint.url });
    }
    return {
      servers: stack,
      stack,
      lock,
      async release() {
        try {
          await stack?.stop();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * The databases and buckets a command works on: those the settings name, and the local servers
 * ({@link localServers}) for each one they leave out.
 */
export async function openEnvironment(
  settings: CliSettings,
  uses: EnvironmentUse = { s3: true },
): Promise<Environment> {
  requirePostgresUrl('DELIVERANCE_SOURCE_URL', settings.sourceUrl);
  requirePostgresUrl('DELIVERANCE_WAREHOUSE_URL', settings.warehouseUrl);
  const local = await localServers(settings, uses);
  try {
    return environmentOn(settings, local);
  } catch (error) {
    await local.release();
    throw error;
  }
}

/**
 * Runs `work` on the state folder held by `command` (see lockStateFolder), for a command that
 * writes its files without starting any server (pause, resume, resync).
 */
export async function withStateFolder<T>(
  stateDir: string,
  command: string,
  work: () => Promise<T>,
): Promise<T> {
  const lock = await lockStateFolder(stateDir, command, stateNotice);
  stateFolderLine(stateDir, '');
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

export interface Servers {
  readonly postgres?: { url(database: string): string };
  readonly s3?: { endpoint: S3Endpoint };
}

/** The servers of another command holding the state folder, and who that is. */
interface SharedServers extends Servers {
  readonly holder: string;
}

/**
 * The servers another command started on the state folder, when it holds the folder and runs
 * every server this one needs; undefined when the folder is free.
 *
 * @throws {StateFolderBusyError} when its holder runs no such servers
 */
async function serversOfHolder(
  stateDir: string,
  command: string,
  needsPostgres: boolean,
  needsS3: boolean,
): Promise<SharedServers | undefined> {
  const covers = (holder: StateLockHolder) =>
    (!needsPostgres || holder.servers?.postgresPort !== undefined) &&
    (!needsS3 || holder.servers?.s3Url !== undefined);
  const deadline = Date.now() + SERVERS_WAIT_MS;
  let holder = await stateFolderHolder(stateDir);
  while (holder && !covers(holder) && Date.now() < deadline) {
    await sleep(200);
    holder = await stateFolderHolder(stateDir);
  }
  if (!holder) return undefined;
  if (!covers(holder)) {
    throw new StateFolderBusyError(
      holder,
      `deliverance ${holder.command} (pid ${holder.pid}, since ${holder.startedAt}) holds the state folder ${stateDir} without the servers ${command} reads: try again when it ends`,
    );
  }
  const { postgresPort, s3Url } = holder.servers ?? {};
  return {
    holder: `deliverance ${holder.command}, pid ${holder.pid}`,
    postgres:
      postgresPort === undefined
        ? undefined
        : { url: (database) => localPostgresUrl(postgresPort, database) },
    s3:
      s3Url === undefined
        ? undefined
        : { endpoint: { url: s3Url, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS } },
  };
}

function environmentOn(settings: CliSettings, local: LocalServers): Environment {
  const { servers, stack } = local;
  const sourceUrl = settings.sourceUrl ?? servers?.postgres?.url('totesys');
  const warehouseUrl = settings.warehouseUrl ?? servers?.postgres?.url('warehouse');
  const s3 = settings.s3Endpoint
    ? { url: settings.s3Endpoint, region: process.env.AWS_REGION ?? 'us-east-1' }
    : (servers?.s3?.endpoint ?? {});
  if (!sourceUrl || !warehouseUrl) throw new Error('The local stack did not start');
  const context = openPipeline({ sourceUrl, warehouseUrl, stateDir: settings.stateDir, s3 });
  return {
    ...context,
    sourceUrl,
    warehouseUrl,
    stack,
    async stop() {
      try {
        await context.close();
      } finally {
        await local.release();
      }
    },
  };
}
