import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { migrateLocalWarehouse } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;

/** The command line on the test stack. */
const deliverance = (...args: string[]) => runDeliverance(args, cliEnvironment(stack));

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await migrateLocalWarehouse(stack);
}, 600_000);
afterAll(() => stack?.stop());

/**
 * Makes every table's reconciliation due in the next run: a table never reconciled in full is,
 * whatever its schedule, and runs seconds apart would wait a whole day for the default one.
 */
async function forgetReconciliations() {
  await rm(join(stack.stack.stateDir, 'deletes.json'), { force: true });
}

describe('what the operator sees of the deletes', () => {
  it('run, doctor and status say what landed and what the guard holds, in text and JSON', async () => {
    const first = await deliverance('run');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('deletes: 10 tables reconciled, 0 tombstones landed');

    const { rows } = await stack.source.query<{ id: number }>(
      'DELETE FROM payment WHERE payment_id = (SELECT min(payment_id) FROM payment) RETURNING payment_id AS id',
    );
    expect(rows).toHaveLength(1);
    await forgetReconciliations();
    const landed = await deliverance('run');
    expect(landed.code).toBe(0);
    expect(landed.stdout).toMatch(
      /^deletes: 10 tables reconciled, 1 tombstone landed \(payment 1\)$/m,
    );
    expect(landed.stderr).toMatch(/, 1 tombstone landed$/m);

    const left = await stack.source.query<{ n: string }>('SELECT count(*) AS n FROM payment');
    const all = Number(left.rows[0]!.n);
    await stack.source.query('TRUNCATE payment');
    await forgetReconciliations();
    const held = await deliverance('run', '--json');
    expect(held.code).toBe(3);
    const report = JSON.parse(held.stdout) as {
      deletes: { tombstones: Record<string, number>; held: Record<string, { keys: number }> };
      batches: { deletes?: unknown }[];
    };
    expect(report.deletes.held).toEqual({
      payment: { keys: all, share: 1, at: expect.any(String) },
    });
    expect(report.deletes.tombstones).toEqual({});
    expect(report.batches[0]?.deletes).toEqual(report.deletes);
    expect(held.stderr).toContain(
      `held by the guard: payment ${all.toLocaleString('en-GB')} keys (100.0%)`,
    );
    expect(held.stderr).toMatch(/, 0 tombstones landed, deletes of payment held by the guard$/m);

    const doctor = await deliverance('doctor', '--json');
    const checks = (
      JSON.parse(doctor.stdout) as { checks: { name: string; status: string; detail: string }[] }
    ).checks;
    expect(checks.find((c) => c.name === 'deletes')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        new RegExp(
          `^payment: ${all.toLocaleString('en-GB')} keys \\(100\\.0% of the warehouse's\\)`,
        ),
      ),
    });
    expect(doctor.code).toBe(1);

    const page = join(stack.stack.stateDir, 'status.html');
    const status = await deliverance('status', '--html', page);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain(
      'deletes held by the guard (gone from the source, none landed; check the source):',
    );
    expect(status.stdout).toMatch(
      new RegExp(`^ {2}payment: ${all.toLocaleString('en-GB')} keys \\(100\\.0%`, 'm'),
    );
    expect(status.stdout).toMatch(/^ {2}payment: 1 row of fact_payment marked deleted in batch/m);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('id="deletes-held"');
    expect(html).toContain('id="deletes-applied"');
  });
});
