import type { TableDeletes } from '../../lambdas/ingest/deletes/reconcile-deletes';
import type { IngestRun } from '../../lambdas/ingest/ingest-stage';
import { DELETED_KEYS_REACH } from '../../contract/source-deletes';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../../lambdas/shared/core/catalogue';
import { runCycle } from '../../local/run-cycle';
import { consoleLogger } from '../console-logger';
import { openEnvironment } from '../environment';
import { EXIT } from '../exit-codes';
import { readSettings } from '../settings';
import { loadModule } from '../load-module';
import type * as DeployedStackModule from '../remote/deployed-stack';
import type * as InvokeStageModule from '../remote/invoke-stage';
import { tableOption } from './pause';

export interface DeletesCommandOptions {
  readonly env: string | undefined;
  readonly table?: string;
  readonly confirm?: boolean;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/** What the ingest run's reconciliation did, as `deletes --json` prints it. */
interface DeletesReport {
  readonly batchId: string;
  readonly tables: readonly TableDeletes[];
  readonly heldKeys: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/** One line per table reconciled: keys compared and read, tombstones landed, or held. */
export function deletesLines(report: DeletesReport): string[] {
  const lines = report.tables.map((t) => {
    const compared = `${count(t.compared.warehouse)} warehouse keys against ${count(t.compared.source)} in the source, ${count(t.read.source + t.read.warehouse)} read one by one`;
    if (t.waitingFor) {
      return `${t.table}: waits for batch ${t.waitingFor} to load its earlier tombstones`;
    }
    if (t.held) {
      return `${t.table}: ${compared}; ${count(t.held.keys)} gone (${(t.held.share * 100).toFixed(1)}%) HELD by the guard: if right, deliverance deletes --table ${t.table} --confirm`;
    }
    return `${t.table}: ${compared}; ${count(t.landed)} tombstones landed${t.capped ? ' (capped: the next run lands more)' : ''}`;
  });
  const skipped = SOURCE_TABLE_NAMES.filter((t) => DELETED_KEYS_REACH[t] === null);
  return [
    `batch ${report.batchId}`,
    ...lines,
    ...skipped.map((t) => `${t}: not reconciled (no warehouse table of its own)`),
  ];
}

function reportOf(run: IngestRun | undefined): DeletesReport | undefined {
  if (!run?.deletes) return undefined;
  return { batchId: run.batchId, ...run.deletes };
}

/**
 * `deliverance deletes [--table T] [--env NAME] [--confirm] [--json]`: a deletes reconciliation
 * now, inside an ingest run as the schedule's would be (locally a whole cycle, so the
 * tombstones load; deployed, the ingest function invoked with the request, the rest following
 * from the manifest's event). Exit 3 when the guard holds a table's deletes.
 */
export async function deletesCommand(options: DeletesCommandOptions): Promise<number> {
  const tables =
    options.table === undefined
      ? undefined
      : [tableOption('deletes', options.table) as SourceTableName];
  const request = { ...(tables ? { tables } : {}), confirm: options.confirm === true };
  const report =
    options.env === undefined
      ? await local(request, options)
      : await deployed(options.env, request);
  if (options.json) {
    const where =
      options.env === undefined
        ? { stateDir: readSettings().stateDir }
        : { environment: options.env };
    console.log(JSON.stringify({ ...where, ...report }, null, 2));
  } else {
    for (const line of deletesLines(report)) console.log(line);
  }
  return report.tables.some((t) => t.held) ? EXIT.attention : 0;
}

async function local(
  request: { tables?: SourceTableName[]; confirm: boolean },
  options: DeletesCommandOptions,
): Promise<DeletesReport> {
  const settings = readSettings();
  const environment = await openEnvironment(settings, { s3: true, command: 'deletes' });
  try {
    const cycle = await runCycle(environment, {
      logger: consoleLogger(options.verbose ?? false),
      overlapSeconds: settings.overlapSeconds,
      maxBatchRows: settings.maxBatchRows,
      deletesTunings: settings,
      deletes: request,
    });
    return reportOf(cycle.ingest) as DeletesReport;
  } finally {
    await environment.stop();
  }
}

async function deployed(
  env: string,
  request: { tables?: SourceTableName[]; confirm: boolean },
): Promise<DeletesReport> {
  const { openDeployedStack } = loadModule<typeof DeployedStackModule>(
    __filename,
    '../remote/deployed-stack',
  );
  const { invokeFunction } = loadModule<typeof InvokeStageModule>(
    __filename,
    '../remote/invoke-stage',
  );
  const stack = await openDeployedStack(env);
  try {
    const answer = await invokeFunction(stack, 'ingest', { deletes: request });
    if (!answer.ok)
      throw new Error(`ingest of the deletes reconciliation: failed: ${answer.error}`);
    const report = reportOf(answer.payload as IngestRun);
    if (!report) {
      throw new Error(
        `The ingest function of ${env} answered without a deletes reconciliation: deploy this version of the stack first`,
      );
    }
    return report;
  } finally {
    stack.close();
  }
}
