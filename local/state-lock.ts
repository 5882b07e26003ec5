import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The servers a lock holder started on the state folder, for read-only commands to share. */
export interface StateServers {
  readonly postgresPort?: number;
  readonly s3Url?: string;
}

/** Who holds a state folder: the `lock.json` in it. */
export interface StateLockHolder {
  readonly pid: number;
  readonly command: string;
  readonly startedAt: string;
  /** The process's start time as the kernel counts it, so a reused pid is not taken for it. */
  readonly processStart?: string;
  readonly servers?: StateServers;
}

/** Another live command holds the state folder. */
export class StateFolderBusyError extends Error {
  constructor(
    readonly holder: StateLockHolder,
    message: string,
  ) {
    super(message);
    this.name = 'StateFolderBusyError';
  }
}

export interface StateLock {
  readonly holder: StateLockHolder;
  /** Tells read-only commands where the servers this holder started listen. */
  publish(servers: StateServers): Promise<void>;
  /** Frees the folder; safe to call more than once. Also runs when the process exits. */
  release(): Promise<void>;
}

const LOCK = 'lock.json';

export const lockPath = (stateDir: string) => join(stateDir, LOCK);

/** A process's start time from /proc (Linux), undefined where there is none. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process a lock names is still the one that wrote it. */
export function isAlive(holder: Pick<StateLockHolder, 'pid' | 'processStart'>): boolean {
  // pid 0 would signal our own process group: a damaged lock names no process.
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(holder.pid);
  return holder.processStart === undefined || start === undefined || start === holder.processStart;
}

async function readHolder(path: string): Promise<StateLockHolder | undefined> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  try {
    const holder = JSON.parse(text) as StateLockHolder;
    return Number.isSafeInteger(holder.pid) ? holder : { pid: 0, command: '?', startedAt: '?' };
  } catch {
    // Written whole by link(2), so never half written by us: a damaged file holds nothing.
    return { pid: 0, command: '?', startedAt: '?' };
  }
}

/** The live holder of the state folder, if any. */
export async function stateFolderHolder(stateDir: string): Promise<StateLockHolder | undefined> {
  const holder = await readHolder(lockPath(stateDir));
  return holder && isAlive(holder) ? holder : undefined;
}

export function busyMessage(stateDir: string, holder: StateLockHolder): string {
  return `the state folder ${stateDir} is held by deliverance ${holder.command} (pid ${holder.pid}, since ${holder.startedAt}): try again when it ends, or stop it (kill ${holder.pid})`;
}

let staged = 0;
/** A name beside `path` no other writer uses, this process's other calls included. */
const stagingName = (path: string) => `${path}.${process.pid}-${++staged}.tmp`;

/** Writes `content` to `path` only if nothing is there, whole: a reader never sees half of it. */
async function createWhole(path: string, content: string): Promise<boolean> {
  const staging = stagingName(path);
  try {
    await writeFile(staging, content);
    await link(staging, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}

/**
 * Removes the lock of a dead holder, once: two processes finding the same stale lock take turns
 * through a short-lived guard file, and the second finds the first's live lock instead.
 */
async function removeStale(path: string, stale: StateLockHolder): Promise<void> {
  const guard = `${path}.takeover`;
  const me = JSON.stringify({ pid: process.pid, processStart: processStart(process.pid) });
  for (let attempt = 0; !(await createWhole(guard, me)); attempt++) {
    const other = await readHolder(guard);
    if (other && !isAlive(other)) await unlink(guard).catch(() => undefined);
    else if (attempt > 100) return;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  try {
    const current = await readHolder(path);
    if (current && JSON.stringify(current) === JSON.stringify(stale)) await unlink(path);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * Takes the state folder for `command`, one writer at a time: the lock is a file created
 * atomically (link(2)) with the holder's pid, command and start time. A lock whose holder died
 * (a SIGKILL, a power cut) is taken over, and `notice` hears about it.
 *
 * @throws {StateFolderBusyError} while another live process holds it, naming that process
 */
export async function lockStateFolder(
  stateDir: string,
  command: string,
  notice: (line: string) => void,
): Promise<StateLock> {
  await mkdir(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  let holder: StateLockHolder = {
    pid: process.pid,
    command,
    startedAt: new Date().toISOString(),
    processStart: processStart(process.pid),
  };
  for (;;) {
    if (await createWhole(path, JSON.stringify(holder))) break;
    const current = await readHolder(path);
    if (!current) continue;
    if (isAlive(current)) throw new StateFolderBusyError(current, busyMessage(stateDir, current));
    notice(
      `taking over the state folder from deliverance ${current.command} (pid ${current.pid}, since ${current.startedAt}), which ended without releasing it`,
    );
    await removeStale(path, current);
  }
  let released = false;
  const releaseNow = () => {
    if (released) return;
    released = true;
    process.off('exit', releaseNow);
    try {
      if (readFileSync(path, 'utf8') === JSON.stringify(holder)) unlinkSync(path);
    } catch {
      // Already gone: nothing to free.
    }
  };
  process.on('exit', releaseNow);
  return {
    get holder() {
      return holder;
    },
    async publish(servers) {
      const next = { ...holder, servers };
      const staging = stagingName(path);
      await writeFile(staging, JSON.stringify(next));
      await rename(staging, path);
      holder = next;
    },
    release: async () => releaseNow(),
  };
}
