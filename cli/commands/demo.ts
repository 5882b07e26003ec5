import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { startLocalStack, temporaryStateDir } from '../../local/local-stack';
import { openPipeline } from '../../local/pipeline-context';
import { runCycle, runUntilCaughtUp, type CycleResult } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { collectAnalytics } from '../analytics/analytics-report';
import { renderAnalyticsHtml } from '../analytics/render-analytics-html';
import { consoleLogger } from '../console-logger';
import { formatCycleSummary, formatCycleWithProgress } from '../cycle-summary';
import { readSettings } from '../settings';
import { formatTable } from '../table-format';

const indent = (text: string) => text.replace(/^/gm, '    ');

async function showQuery(pool: Pool, title: string, sql: string): Promise<void> {
  const result = await pool.query({ text: sql, rowMode: 'array' });
  console.log(`\n  ${title}`);
  console.log(
    indent(
      formatTable(
        result.fields.map((f) => f.name),
        result.rows as unknown[][],
      ),
    ),
  );
}

function stageLine(label: string, cycle: CycleResult): string {
  const landed = cycle.ingest.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
  const shaped = cycle.transform.manifest?.tables.reduce((sum, t) => sum + t.rows, 0) ?? 0;
  const written = cycle.load.tables.reduce((sum, t) => sum + t.written, 0);
  return `${label}: ingest ${landed} rows in ${cycle.ingest.seconds.toFixed(2)} s, transform ${shaped} rows in ${cycle.transform.seconds.toFixed(2)} s, load ${written} rows written in ${cycle.load.seconds.toFixed(2)} s`;
}

/**
 * The whole story of the pipeline on a throw-away embedded stack: seed, full run, OLTP
 * changes (a department rename and an address move among them), incremental run, proof that
 * the denormalised dimensions followed, and two analyst queries.
 */
export async function demoCommand(options: { scale?: number; verbose?: boolean }): Promise<number> {
  const scale = options.scale ?? 1;
  const { overlapSeconds, maxBatchRows } = readSettings();
  const tunings = { overlapSeconds, maxBatchRows };
  const started = performance.now();
  const stateDir = await temporaryStateDir('deliverance-demo-');
  console.log(
    `Deliverance demo — the whole pipeline on an embedded stack (state in ${stateDir})\n`,
  );
  console.log('1/6 Starting an embedded PostgreSQL (totesys + warehouse) and a local S3 server');
  const stack = await startLocalStack(stateDir);
  const pipeline = openPipeline({
    sourceUrl: stack.postgres!.url('totesys'),
    warehouseUrl: stack.postgres!.url('warehouse'),
    stateDir,
    s3: stack.s3!.endpoint,
  });
  const logger = consoleLogger(options.verbose ?? false);
  try {
    console.log(`2/6 Seeding totesys at scale ${scale}`);
    const seeded = await seedTotesys(stack.postgres!.url('totesys'), { scale });
    const seededRows = Object.values(seeded.rows).reduce((a, b) => a + b, 0);
    console.log(`    ${seededRows} rows in ${seeded.seconds} s`);

    console.log('3/6 First run: a full extract of every table, transformed and loaded');
    const firstRun = await runUntilCaughtUp(pipeline, { logger, ...tunings }, (cycle, progress) =>
      console.log(indent(formatCycleWithProgress(cycle, progress))),
    );
    const first = firstRun[firstRun.length - 1] as CycleResult;

    console.log('\n4/6 OLTP activity in totesys');
    const client = await pipeline.source.connect();
    const changes = await applyDemoChanges(client).finally(() => client.release());
    console.log(
      [
        `    ${changes.newSalesOrderIds.length} new sales orders (with transactions and ${changes.newPaymentIds.length} payments)`,
        `    ${changes.paidPaymentIds.length} payments marked paid`,
        `    department ${changes.renamedDepartment.departmentId} renamed '${changes.renamedDepartment.from}' → '${changes.renamedDepartment.to}'`,
        `    address ${changes.movedAddress.addressId} moved from ${changes.movedAddress.from} to ${changes.movedAddress.city}`,
        `    staff member ${changes.newStaffId} hired`,
      ].join('\n'),
    );

    console.log(
      '\n5/6 Incremental run: only what changed since the watermarks (plus the overlap window)',
    );
    const second = await runCycle(pipeline, { logger, ...tunings });
    console.log(indent(formatCycleSummary(second)));
    const renamed = await pipeline.warehouse.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM dim_staff WHERE department_name = $1',
      [changes.renamedDepartment.to],
    );
    const moved = await pipeline.warehouse.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM dim_counterparty WHERE counterparty_legal_city = $1',
      [changes.movedAddress.city],
    );
    console.log(
      `\n    dim_staff: ${renamed.rows[0]?.n ?? 0} staff rows now in '${changes.renamedDepartment.to}'`,
    );
    console.log(
      `    dim_counterparty: ${moved.rows[0]?.n ?? 0} counterparties now have their legal address in ${changes.movedAddress.city}`,
    );

    console.log('\n6/6 What analysts see (sql/views)');
    await showQuery(
      pipeline.warehouse,
      'analytics.sales_by_month_country — the latest month, top 5 by revenue',
      `SELECT to_char(month, 'YYYY-MM') AS month, country, currency_code, orders, units, revenue
       FROM analytics.sales_by_month_country
       WHERE month = (SELECT max(month) FROM analytics.sales_by_month_country)
       ORDER BY revenue DESC LIMIT 5`,
    );
    await showQuery(
      pipeline.warehouse,
      'analytics.top_designs_by_revenue — top 5 in GBP',
      `SELECT design_name, orders, units, revenue FROM analytics.top_designs_by_revenue
       WHERE currency_code = 'GBP' ORDER BY revenue_rank LIMIT 5`,
    );

    // Outside the state folder, which the demo removes: the page outlives the stack.
    const analyticsPage = join(tmpdir(), 'deliverance-demo-analytics.html');
    await writeFile(analyticsPage, renderAnalyticsHtml(await collectAnalytics(pipeline.warehouse)));

    console.log('\nPer-stage summary');
    console.log(`    ${stageLine('full run       ', first)}`);
    console.log(`    ${stageLine('incremental run', second)}`);
    console.log(`\nDemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    console.log(
      `Every analyst question as charts: file://${analyticsPage} (deliverance analytics --html FILE draws your warehouse's)`,
    );
    return 0;
  } finally {
    await pipeline.close();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}
