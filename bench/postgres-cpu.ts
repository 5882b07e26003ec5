import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** utime, stime, cutime and cstime of /proc/<pid>/stat, in clock ticks (Linux: 100 a second). */
function ticks(pid: string, withReaped: boolean): { ppid: string; ticks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  // Fields after the command name, which may hold spaces: state is [0], ppid [1], utime [11].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  const reaped = withReaped ? Number(fields[13]) + Number(fields[14]) : 0;
  return { ppid: fields[1] ?? '', ticks: own + reaped };
}

/**
 * CPU seconds the embedded PostgreSQL of a state folder has used so far: the postmaster's own
 * and its reaped children's (every backend that has exited), plus its live children's. The
 * difference over a stage run is what the databases did for it, which the stage process's
 * own CPU time does not show. Linux only; undefined elsewhere or when the server is not up.
 */
export function postgresCpuSeconds(stateDir: string): number | undefined {
  let postmaster: string | undefined;
  try {
    postmaster = readFileSync(join(stateDir, 'postgres', 'data', 'postmaster.pid'), 'utf8')
      .split('\n')[0]
      ?.trim();
  } catch {
    return undefined;
  }
  const root = postmaster && ticks(postmaster, true);
  if (!root) return undefined;
  let total = root.ticks;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const child = ticks(pid, false);
    if (child && child.ppid === postmaster) total += child.ticks;
  }
  return total / 100;
}
