import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

/**
 * What the long commands print as they go, and what status prints, through the command line as
 * an operator's script sees it: stdout and stderr are pipes, not a terminal.
 */

let stack: TestStack;

const deliverance = (...args: string[]) => runDeliverance(args, cliEnvironment(stack));

const widest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));
const BATCH = '\\d{8}T\\d{9}Z-[0-9a-f]{6}';

beforeAll(async () => {
  stack = await startTestStack();
}, 900_000);
afterAll(() => stack?.stop());

describe('progress and the closing line', () => {
  it('seed ends with one summary line on stderr', async () => {
    const seed = await deliverance('seed', '--scale', '0.05');
    expect(seed.code).toBe(0);
    expect(seed.stderr).toMatch(/^seed: done in \d+\.\d s: scale 0\.05, 11 tables, [\d,]+ rows$/m);
    expect(seed.stdout).toBe('');
  });

  it('run prints a line per stage of each batch and one summary line on stderr, stdout its report only', async () => {
    const run = await deliverance('run');
    expect(run.code).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    for (const stage of ['ingest', 'transform', 'load']) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^  ${stage} ${BATCH}: \\d+ tables?, [\\d,]+ rows in \\d+\\.\\d s`),
        ),
      );
    }
    expect(lines.filter((l) => l.startsWith('run: '))).toEqual([
      expect.stringMatching(
        /^run: done in \d+\.\d s: 1 batch, [\d,]+ rows landed, [\d,]+ loaded \([\d,]+ new or changed\), 0 set aside, 0 tombstones landed$/,
      ),
    ]);
    // The summary is the last word; a pipe gets no live line's escapes.
    expect(lines.at(-1)).toMatch(/^run: done in /);
    expect(run.stderr).not.toContain('\x1b');
    expect(run.stdout).not.toMatch(/rows in \d|done in/);
    expect(run.stdout).toMatch(new RegExp(`^batch ${BATCH}$`, 'm'));
  });
});

describe('status text', () => {
  it('fits 100 columns, with --wide wider and --table one table in detail', async () => {
    const status = await deliverance('status');
    expect(status.code).toBe(0);
    expect(widest(status.stdout)).toBeLessThanOrEqual(100);
    for (const table of SOURCE_TABLE_NAMES) {
      expect(status.stdout).toMatch(new RegExp(`^${table} .* ago .* loaded$`, 'm'));
    }
    expect(status.stdout).not.toContain('\x1b');

    const wide = await deliverance('status', '--wide');
    expect(widest(wide.stdout)).toBeGreaterThan(100);

    const one = await deliverance('status', '--table', 'sales_order');
    expect(one.stdout).toMatch(/^ {2}last rows +[\d,]+ in batch /m);
    expect(widest(one.stdout)).toBeLessThanOrEqual(100);

    const unknown = await deliverance('status', '--table', 'sales_orders');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '--table must be one of address, counterparty, currency, department, design, payment_type, staff, sales_order, purchase_order, transaction, payment, not "sales_orders" (did you mean sales_order?)',
    );
  });
});
