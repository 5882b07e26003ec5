/**
 * Self time by function from a V8 `.cpuprofile` (what `node --cpu-prof` writes): where a
 * CPU-bound stage spends its time, without a profiler UI. Alone:
 * `npx tsx bench/cpu-profile.ts <file.cpuprofile> [top]`.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds since the sample before; the first is since the profile's start. */
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  /** 'name file:line', the file relative to the working folder, or V8's '(garbage collector)'. */
  readonly where: string;
  readonly milliseconds: number;
  readonly share: number;
}

/** Every function's self time, largest first, with its share of the sampled time (idle excluded). */
export function selfTimes(profile: CpuProfile): FunctionTime[] {
  const whereOf = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) {
    const name = callFrame.functionName || '(anonymous)';
    const file = callFrame.url.replace(/^file:\/\//, '');
    whereOf.set(
      id,
      file ? `${name} ${relative(process.cwd(), file)}:${callFrame.lineNumber + 1}` : name,
    );
  }
  const micros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const where = whereOf.get(id) ?? '?';
    // Each delta is the time since the previous sample, charged to the one taken now.
    const delta = profile.timeDeltas[i] ?? 0;
    if (where === '(idle)') return;
    micros.set(where, (micros.get(where) ?? 0) + delta);
    total += delta;
  });
  return [...micros.entries()]
    .map(([where, us]) => ({ where, milliseconds: us / 1000, share: us / total }))
    .sort((a, b) => b.milliseconds - a.milliseconds);
}

/** The top `count` functions by self time, one line each. */
export async function summariseCpuProfile(path: string, count = 25): Promise<string> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const times = selfTimes(profile);
  const busy = times.reduce((sum, t) => sum + t.milliseconds, 0);
  const byFile = new Map<string, FunctionTime>();
  for (const t of times) {
    const file = /\s(\S+):\d+$/.exec(t.where)?.[1] ?? t.where;
    const sum = byFile.get(file);
    byFile.set(file, {
      where: file,
      milliseconds: (sum?.milliseconds ?? 0) + t.milliseconds,
      share: (sum?.share ?? 0) + t.share,
    });
  }
  const line = (t: FunctionTime) =>
    `${(t.share * 100).toFixed(1).padStart(5)} %  ${t.milliseconds.toFixed(0).padStart(6)} ms  ${t.where}`;
  return [
    `${path}: ${(busy / 1000).toFixed(2)} s sampled on the main thread (idle excluded); self time by function:`,
    ...times.slice(0, count).map(line),
    'self time by file:',
    ...[...byFile.values()]
      .sort((a, b) => b.milliseconds - a.milliseconds)
      .slice(0, count)
      .map(line),
  ].join('\n');
}

if (require.main === module) {
  const [path, top] = process.argv.slice(2);
  if (!path) throw new Error('usage: tsx bench/cpu-profile.ts <file.cpuprofile> [top]');
  void summariseCpuProfile(path, top ? Number(top) : undefined).then((text) => console.log(text));
}
