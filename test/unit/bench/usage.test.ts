import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const BENCH = join(__dirname, '..', '..', '..', 'bin', 'bench.cjs');

/** `npm run bench -- <args>`, its exit code returned rather than thrown. */
async function bench(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BENCH, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('the benchmark’s command line', () => {
  it.each(['--help', '-h'])(
    'lists its options and exit codes with %s, and does nothing else',
    async (flag) => {
      const { code, stdout, stderr } = await bench(flag);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: npm run bench -- \[options\]/);
      expect(stdout).toContain('--max-batch-rows N');
      expect(stdout).toContain('Exit codes: 0 done, 1 a run failed, 2 a usage error.');
      expect(stderr).toBe('');
    },
  );

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--scale', '0'], '--scale must be a positive number, not 0'],
    [['--max-batch-rows', '1.5'], '--max-batch-rows must be a positive whole number, not 1.5'],
    [['--compare-cap', 'many'], '--compare-cap must be a positive whole number, not many'],
  ])('refuses %j in one line, before measuring anything, with exit code 2', async (args, said) => {
    const { code, stdout, stderr } = await bench(...args);
    expect(code).toBe(2);
    expect(stderr).toBe(`bench: ${said}; see npm run bench -- --help\n`);
    expect(stdout).toBe('');
  });
});
