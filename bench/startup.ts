/**
 * How long the command line takes to answer what needs none of the pipeline's modules, against
 * `node -e 0` measured in turn on the same machine: the ratio holds when the machine's speed
 * drifts, the seconds do not.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { markdownTable } from './report';

const CLI = join(__dirname, '..', 'bin', 'deliverance.cjs');

/** What is timed: each answers before any command's modules load. */
export const STARTUP_CASES: readonly (readonly string[])[] = [
  ['--version'],
  ['--help'],
  ['status', '--help'],
];

export interface StartupCase {
  readonly args: readonly string[];
  /** Median wall seconds of the command, and of `node -e 0` run in turn with it. */
  readonly seconds: number;
  readonly nodeSeconds: number;
  /** Median of the pairwise ratios command / `node -e 0`. */
  readonly ratio: number;
}

export interface StartupReport {
  readonly runs: number;
  readonly cases: readonly StartupCase[];
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

function wallSeconds(args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
  return (performance.now() - started) / 1000;
}

/**
 * Each case `runs` times after one warm-up (tsx's compile cache), alternating with `node -e 0`
 * so both meet the same load.
 */
export function measureStartup(runs = 7): StartupReport {
  const cases = STARTUP_CASES.map((args) => {
    wallSeconds([CLI, ...args]);
    const pairs = Array.from({ length: runs }, () => {
      const command = wallSeconds([CLI, ...args]);
      const node = wallSeconds(['-e', '0']);
      return { command, node };
    });
    return {
      args,
      seconds: median(pairs.map((p) => p.command)),
      nodeSeconds: median(pairs.map((p) => p.node)),
      ratio: median(pairs.map((p) => p.command / p.node)),
    };
  });
  return { runs, cases };
}

/** The startup section of docs/benchmarks.md. */
export function formatStartup(report: StartupReport, date: string, machine: string): string {
  return [
    '### Command-line start-up',
    '',
    `${date}; ${machine}; Node.js ${process.version}. Median of ${report.runs} runs of each, after a warm-up, each run followed by \`node -e 0\`; the ratio is the median of the pairs' ratios, which holds on a loaded machine where the seconds do not.`,
    '',
    markdownTable(
      ['command', 'seconds', '`node -e 0` seconds', 'ratio'],
      report.cases.map((c) => [
        `\`deliverance ${c.args.join(' ')}\``,
        c.seconds.toFixed(3),
        c.nodeSeconds.toFixed(3),
        `${c.ratio.toFixed(1)}×`,
      ]),
    ),
  ].join('\n');
}
