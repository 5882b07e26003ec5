/**
 * CPU seconds read from /proc, for what `process.cpuUsage()` cannot see: a PostgreSQL server's
 * processes, and child processes this one has waited for. Linux only, as the benchmark is.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Clock ticks per second of /proc's times: 100 on every Linux the benchmark runs on. */
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime of a process, in seconds (fields 14–17 of /proc/<pid>/stat). */
async function times(pid: number | 'self'): Promise<{ own: number; children: number }> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return { own: 0, children: 0 };
  // The command name may hold spaces: the fields after it are counted from its closing paren.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3] ?? 0) / TICKS_PER_SECOND;
  return { own: field(14) + field(15), children: field(16) + field(17) };
}

/**
 * The CPU seconds a PostgreSQL server has used: the postmaster's, its running processes' and
 * those of every backend that has exited (their times are added to the postmaster's when it
 * reaps them). A difference of two readings is the server's work in between, wherever it ran.
 */
export async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  const pid = Number(pidFile.split('\n')[0]);
  const postmaster = await times(pid);
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  let running = 0;
  for (const child of children.split(' ').filter(Boolean))
    running += (await times(Number(child))).own;
  return postmaster.own + postmaster.children + running;
}

/** CPU seconds of the child processes this process has waited for, all of them so far. */
export async function waitedChildrenCpuSeconds(): Promise<number> {
  return (await times('self')).children;
}
