import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CheckResult } from '../../cli/doctor/doctor-check';
import type { PipelineStatus } from '../../cli/status/pipeline-status';
import type { OperationsParameter } from '../../contract/operations';
import { isStageFault } from '../../contract/stage-fault';
import type { IngestResult } from '../../lambdas/ingest/ingest';
import { landingKey, manifestKey, newBatchId, processedKey } from '../../lambdas/shared/core/batch';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { parkedReasonKey } from '../../lambdas/shared/parked-batch';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { readJsonLines } from '../integration/support/test-stack';
import { objectsWithoutManifest } from '../integration/support/unfinished-attempts';
import { PROJECT_ROOT } from '../../lib/pipeline-function';
import { synthesize } from '../infra/support/synth';
import {
  alarmsOf,
  emittedMetrics,
  notify,
  stateAfter,
  watched,
  type TemplateAlarm,
} from './support/alarms';
import type { Authorizer } from './support/authorizer';
import { ACCOUNT, type CfnTemplate } from './support/deployment';
import type {
  DestinationRecord,
  InvocationRecord,
  RehearsedFunction,
} from './support/lambda-service';
import { readTemplate, s3EventRecord, startRehearsal, type Rehearsal } from './support/rehearsal';
import { unusedGrants } from './support/unused-grants';

/**
 * The stack `cdk deploy` ships, run end to end on this machine: the bundles from the cloud
 * assembly, the template's environment, events and retries, and every request authorised
 * against the template's policies (docs/deploy.md, "What the rehearsal proves").
 *
 * Each describe below rehearses its own synthesis; the helpers act on the one running.
 */
let rehearsal: Rehearsal;
const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'bin', 'deliverance.cjs');
let template: CfnTemplate;
const ADMIN = 'ops@example.com';
/** The policies of every rehearsal, for the report of grants none of them needed. */
const rehearsed: Authorizer[] = [];

/** Synthesizes the stack with `context` over the defaults and brings it up. */
async function rehearse(context: Record<string, unknown> = {}): Promise<void> {
  const { outdir, stack } = synthesize(
    { 'deliverance:adminEmails': [ADMIN], ...context },
    { bundle: true },
  );
  template = readTemplate(outdir, stack.stackName);
  rehearsal = await startRehearsal({ template, outdir, stackName: stack.stackName });
  rehearsed.push(rehearsal.authorizer);
}

const fnId = (prefix: string) =>
  [...rehearsal.lambda.functions.keys()].find((id) => id.startsWith(prefix)) as string;
const since = (mark: number) => rehearsal.lambda.invocations.slice(mark);
const failures = (records: readonly InvocationRecord[]) =>
  records.filter((r) => !r.ok).map((r) => `${r.function}#${r.attempt}: ${r.error?.errorMessage}`);
/** What a function answered instead of throwing a fatal error (contract/stage-fault.ts). */
const faultOf = (record: InvocationRecord) =>
  isStageFault(record.result) ? record.result.fault : undefined;
const dlq = (prefix: string): DestinationRecord[] => {
  const fn = rehearsal.lambda.functions.get(fnId(prefix));
  return rehearsal.lambda.queues.get(fn?.onFailure ?? '') ?? [];
};
/** The command line as the admin runs it: their own keys and region, the stack's endpoints. */
async function deliverance(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('AWS_') && !k.startsWith('DELIVERANCE_'),
    ),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...env, ...rehearsal.operator.environment },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
/** The admin's requests from `mark` on that a policy refused. */
const operatorDenials = (mark: number) =>
  rehearsal.authorizer.decisions
    .slice(mark)
    .filter((d) => d.principal === rehearsal.operator.principal && !d.allowed)
    .map((d) => `${d.action} ${d.resource}`);
/**
 * Puts the load-errors alarm in ALARM, as CloudWatch would after failed loads; the caller clears
 * it.
 */
function raiseLoadErrorsAlarm() {
  const alarm = alarmsOf(rehearsal.deployment).find((a) => a.name.endsWith('-load-errors'));
  rehearsal.gateway.alarmStates.set(alarm?.name ?? '', {
    value: 'ALARM',
    reason: 'Threshold Crossed: 2 out of the last 3 datapoints',
    updated: new Date(),
  });
  return alarm;
}
/** `deliverance doctor --env dev --json` as the admin: its exit code and each check by name. */
async function doctor(): Promise<{ code: number; checks: Record<string, CheckResult> }> {
  const { code, stdout } = await deliverance('doctor', '--env', 'dev', '--json');
  const { checks } = JSON.parse(stdout) as { checks: CheckResult[] };
  return { code, checks: Object.fromEntries(checks.map((c) => [c.name, c])) };
}
/**
 * The admin's denials but doctor's reads of the database secrets: the operator policy withholds
 * the passwords on purpose (they stay with the functions), so doctor run with it is refused them.
 */
const operatorDenialsButSecrets = (mark: number) => {
  const operations = JSON.parse(
    rehearsal.gateway.parameters.get('/deliverance/dev/operations')?.value ?? '{}',
  ) as OperationsParameter;
  const secrets = Object.values(operations.databaseSecrets ?? {});
  expect(secrets).toHaveLength(2);
  return operatorDenials(mark).filter(
    (d) =>
      !secrets.some((id) =>
        new RegExp(`^secretsmanager:GetSecretValue arn:\\S+:secret:${id}-\\w{6}$`).test(d),
      ),
  );
};
const batchOfRecord = (record: DestinationRecord) =>
  (
    (record.requestPayload as { Records: { s3: { object: { key: string } } }[] }).Records[0]?.s3
      .object.key ?? ''
  ).replace(/^manifests\/|\.json$/g, '');
const warehouseMatchesSource = async () =>
  expect(await compareWithReference(rehearsal.source, rehearsal.warehouse)).toEqual([]);
async function changeSource(): Promise<void> {
  await rehearsal.source.query(
    `UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT 3)`,
  );
}
/** New orders, payments, staff and a moved address: the next batch's facts need its dimensions. */
async function changeSourceWithOrders(paidPayments = 2): Promise<void> {
  const client = await rehearsal.source.connect();
  try {
    await applyDemoChanges(client, { newSalesOrders: 3, paidPayments });
  } finally {
    client.release();
  }
}
/** Re-sends each dead-lettered event to its function, as an operator's replay does. */
async function replay(records: DestinationRecord[]): Promise<void> {
  for (const record of records.splice(0)) {
    rehearsal.lambda.redeliver(record.requestContext.functionArn, record.requestPayload);
  }
  await rehearsal.lambda.idle();
}
/** The template without the statements `drop` picks. */
function without(
  drop: (statement: Record<string, unknown>, resourceId: string) => boolean,
): CfnTemplate {
  const edited = JSON.parse(JSON.stringify(template)) as CfnTemplate;
  for (const [id, resource] of Object.entries(edited.Resources)) {
    const doc = (resource.Properties?.PolicyDocument ?? resource.Properties?.KeyPolicy) as
      { Statement: Record<string, unknown>[] } | undefined;
    if (doc) doc.Statement = doc.Statement.filter((s) => !drop(s, id));
  }
  return edited;
}

describe('the synthesized stack, rehearsed', () => {
  beforeAll(async () => {
    await rehearse();
    await seedTotesys(rehearsal.postgres.url('totesys'), { scale: 0.05 });
    await recordSourceHistory(rehearsal.source);
    // Enough addresses for a landing object over S3's 5 MB part size: a multipart upload, which
    // on an SSE-KMS bucket also needs kms:Decrypt.
    await rehearsal.source.query(
      `INSERT INTO address (address_line_1, address_line_2, district, city, postal_code, country, phone, created_at, last_updated)
       SELECT 'Line ' || i || repeat(' Street', 20), NULL, 'District ' || i, 'City ' || (i % 97), 'PC' || i, 'Country', '01632 960' || i, now(), now()
       FROM generate_series(1, 30000) AS i`,
    );
  }, 300_000);
  afterAll(() => rehearsal?.stop());

  describe(
    'deployed: the bundles, the warehouse preparation and the first loads',
    deployedAndLoading,
  );
  describe("the runtime's limits: certificates, /tmp and repeated events", withinTheRuntime);
  describe('failures: retried, parked, refused and replayed', failingAndReplaying);
  describe('ingest failures: alarmed, cleaned up and healed', ingestFailing);
  describe('operating the deployed stack: status, doctor, redrive and replay', operating);
  describe('a storage key the load may no longer use', deniedKeys);
  describe('pausing and re-syncing tables', pausingAndResyncing);
  describe('a manifest naming a missing object', parkingMissingObjects);
  describe("the template's policies and alarms", policiesAndAlarms);
});

/**
 * The bundles as the template runs them, the deploy preparing the warehouse, and the loads of a
 * first and an incremental batch.
 */
function deployedAndLoading(): void {
  it('runs the bundles under the runtime the template names, with nothing outside them', () => {
    const runtimes = [...rehearsal.lambda.functions.values()].map((f) => f.runtime);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
    expect(rehearsal.node.version).toMatch(/^v22\./);
    for (const fn of rehearsal.lambda.functions.values()) {
      const env = rehearsal.lambda.environmentOf(fn, 'stream');
      expect(env.NODE_PATH).toBe('');
      // The template leaves trust to the bundles: the runtime's store is never pointed at.
      expect(fn.environment.NODE_EXTRA_CA_CERTS).toBeUndefined();
      // The template's variables reach the process as written, but for the listed additions.
      for (const [name, value] of Object.entries(fn.environment)) {
        expect(env[name]).toBe(name in rehearsal.additions ? rehearsal.additions[name] : value);
      }
    }
    expect(Object.keys(rehearsal.additions).sort()).toEqual([
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_ENDPOINT_URL_SSM',
      'NODE_EXTRA_CA_CERTS',
    ]);
  });

  it('prepares the warehouse as CloudFormation creates the stack, with the load bundle', async () => {
    expect(rehearsal.customResources.map((c) => [c.logicalId, c.answer?.Status])).toEqual([
      [expect.stringMatching(/^WarehousePreparationSchema/), 'SUCCESS'],
    ]);
    const [prepared] = rehearsal.lambda.invocations;
    expect(prepared).toMatchObject({ function: fnId('WarehousePreparation'), ok: true });
    expect(rehearsal.lambda.invocations).toHaveLength(1);
    expect(rehearsal.lambda.problems).toEqual([]);
    expect(rehearsal.gateway.denials).toEqual([]);
    // Before any load ran: the migrations recorded and the analyst views there.
    const { rows } = await rehearsal.warehouse.query<{ version: string }>(
      'SELECT version FROM etl.schema_migrations ORDER BY version',
    );
    // Every migration the load's bundle carries, by the number its file name starts with.
    const shipped = readdirSync(join(PROJECT_ROOT, 'sql', 'warehouse'))
      .filter((file) => file.endsWith('.sql'))
      .map((file) => file.slice(0, 4))
      .sort();
    expect(shipped.length).toBeGreaterThanOrEqual(5);
    expect(rows.map((r) => r.version)).toEqual(shipped);
    const views = await rehearsal.warehouse.query(
      "SELECT 1 FROM pg_views WHERE schemaname = 'analytics' AND viewname = 'sales_by_month_country'",
    );
    expect(views.rowCount).toBe(1);
  });

  it('loads the warehouse from a first schedule tick, through S3 events the template wires', async () => {
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    const runs = since(mark);
    expect(failures(runs)).toEqual([]);
    expect(rehearsal.gateway.denials).toEqual([]);
    expect(rehearsal.lambda.problems).toEqual([]);
    expect(runs.map((r) => r.function)).toEqual([
      fnId('Ingestion'),
      fnId('Transformation'),
      fnId('Loading'),
    ]);
    expect(
      rehearsal.authorizer.decisions.some(
        (d) => d.action === 'kms:Decrypt' && d.principal.includes('IngestionIngestRole'),
      ),
    ).toBe(true); // the multipart upload of the addresses
    const record = (runs[1]?.event as { Records: { eventVersion: string; eventName: string }[] })
      .Records[0];
    expect(record?.eventVersion).toBe('2.1');
    expect(record?.eventName).toBe('ObjectCreated:Put');
    // Watermarks were written to SSM by the bundle, one parameter per table.
    expect([...rehearsal.gateway.parameters.keys()]).toContain(
      '/deliverance/dev/watermarks/payment',
    );
    await warehouseMatchesSource();
  });

  it('loads an incremental batch', async () => {
    const client = await rehearsal.source.connect();
    try {
      await applyDemoChanges(client);
    } finally {
      client.release();
    }
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(mark))).toEqual([]);
    await warehouseMatchesSource();
  });

  it("runs each stage's next event in its warm sandbox, reusing what the bundle keeps at module scope", async () => {
    const stages = [fnId('Ingestion'), fnId('Transformation'), fnId('Loading')];
    const runs = rehearsal.lambda.invocations;
    const firstOf = (id: string) => runs.find((r) => r.function === id);
    expect(stages.map((id) => firstOf(id)?.coldStart)).toEqual([true, true, true]);
    const lastOf = (id: string) => [...runs].reverse().find((r) => r.function === id);
    const previous = stages.map((id) => ({ pid: lastOf(id)?.pid, ok: lastOf(id)?.ok }));
    await changeSource();
    const mark = runs.length;
    const decided = rehearsal.authorizer.decisions.length;
    await rehearsal.tick();
    expect(failures(since(mark))).toEqual([]);
    const next = stages.map((id) => since(mark).find((r) => r.function === id));
    expect(next.map((r) => ({ pid: r?.pid, ok: r?.ok }))).toEqual(previous);
    expect(next.map((r) => r?.coldStart)).toEqual([false, false, false]);
    // The secrets came from the Powertools cache of the warm process, not from Secrets Manager.
    const secretReads = rehearsal.authorizer.decisions
      .slice(decided)
      .filter((d) => d.action === 'secretsmanager:GetSecretValue');
    expect(secretReads).toEqual([]);
    await warehouseMatchesSource();
  });
}

/** What the runtime holds the bundles to, and what S3 may do twice. */
function withinTheRuntime(): void {
  it('refuses the database in one line naming it when only the runtime, not the bundle, holds its certificate authority', async () => {
    // The bundles as shipped: only the RDS authorities, none of which signed the rehearsal's
    // database; its authority sits in NODE_EXTRA_CA_CERTS, where a runtime's store would be.
    await rehearsal.placeDatabaseAuthority('runtime');
    const mark = rehearsal.lambda.invocations.length;
    try {
      await rehearsal.tick();
    } finally {
      await rehearsal.placeDatabaseAuthority('bundle');
    }
    const refused = since(mark);
    // A certificate no retry can verify: the fault is answered once, not retried nor parked.
    expect(refused.map((r) => [r.function, r.ok, faultOf(r)?.kind])).toEqual([
      [fnId('Ingestion'), true, 'fatal'],
    ]);
    const message = (refused[0] && faultOf(refused[0])?.message) ?? '';
    expect(message).toMatch(
      /^The source database at 127\.0\.0\.1:\d+\/totesys presented a certificate that could not be verified \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\): .* RDS endpoint/,
    );
    expect(message).not.toContain('\n');
    expect(refused[0]?.coldStart).toBe(true);
    expect(dlq('Ingestion')).toEqual([]);

    // With the authority in the bundle again, the next tick reads from the unmoved watermarks.
    const replayed = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(replayed))).toEqual([]);
    expect(since(replayed).map((r) => r.function)).toEqual([
      fnId('Ingestion'),
      fnId('Transformation'),
      fnId('Loading'),
    ]);
    await warehouseMatchesSource();
  });

  it("holds each sandbox's /tmp to the template's 512 MB: one left full fails, and the retry runs in a new sandbox", async () => {
    const transform = fnId('Transformation');
    expect(rehearsal.lambda.functions.get(transform)?.ephemeralStorageMb).toBe(512);
    const [[pid, tmp] = []] = [...rehearsal.lambda.warmTmpDirs(transform)];
    if (!pid || !tmp) throw new Error('No warm transform sandbox after the ticks before');
    // What an earlier invocation could have left behind: /tmp outlives it in a warm sandbox.
    const leftBehind = await open(join(tmp, 'left-behind'), 'w');
    const megabyte = Buffer.alloc(1024 * 1024);
    for (let mb = 0; mb < 513; mb += 1) await leftBehind.write(megabyte);
    await leftBehind.close();
    await changeSource();
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    const transforms = since(mark).filter((r) => r.function === transform);
    expect(transforms.map((r) => [r.attempt, r.ok, r.pid === pid])).toEqual([
      [1, false, true],
      [2, true, false],
    ]);
    // What was left behind, and what the transform itself wrote beside it.
    expect(transforms[0]?.tmpPeakMb).toBeGreaterThanOrEqual(513);
    expect(transforms[0]?.error).toEqual({
      errorType: 'Sandbox.EphemeralStorageFull',
      errorMessage: expect.stringMatching(
        /^\/tmp held \d+ MB, over the function's 512 MB of ephemeral storage$/,
      ) as unknown,
    });
    expect(rehearsal.lambda.invocations.filter((r) => r.tmpPeakMb > 512)).toHaveLength(1);
    await warehouseMatchesSource();
  });

  it('changes nothing when S3 delivers the same events again', async () => {
    const runs = rehearsal.lambda.invocations;
    const last = (id: string) => [...runs].reverse().find((r) => r.function === id && r.ok);
    const before = await rehearsal.warehouse.query('SELECT count(*)::int AS n FROM fact_payment');
    const mark = runs.length;
    for (const id of [fnId('Transformation'), fnId('Loading')]) {
      const previous = last(id) as InvocationRecord;
      const bucket = (previous.event as { Records: { s3: { bucket: { arn: string } } }[] })
        .Records[0]?.s3.bucket.arn as string;
      await rehearsal.lambda.invokeAsync(
        rehearsal.lambda.functions.get(id)?.arn as string,
        previous.event,
        's3.amazonaws.com',
        { 'aws:SourceArn': bucket, 'aws:SourceAccount': '123456789012' },
      );
    }
    await rehearsal.lambda.idle();
    expect(failures(since(mark))).toEqual([]);
    expect(since(mark)).toHaveLength(2);
    const after = await rehearsal.warehouse.query('SELECT count(*)::int AS n FROM fact_payment');
    expect(after.rows).toEqual(before.rows);
    await warehouseMatchesSource();
  });
}

/** Outages and refusals of one batch: retried, parked, alarmed, and replayed. */
function failingAndReplaying(): void {
  it('retries a load that met a warehouse outage, and succeeds once it is back', async () => {
    await changeSource();
    await rehearsal.setDatabaseAvailable('warehouse', false);
    rehearsal.lambda.onAttemptFailed = () => rehearsal.setDatabaseAvailable('warehouse', true);
    const mark = rehearsal.lambda.invocations.length;
    try {
      await rehearsal.tick();
    } finally {
      rehearsal.lambda.onAttemptFailed = () => undefined;
      await rehearsal.setDatabaseAvailable('warehouse', true);
    }
    const loads = since(mark).filter((r) => r.function === fnId('Loading'));
    expect(loads.map((r) => [r.attempt, r.ok])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(loads[0]?.error?.errorMessage).toMatch(/not currently accepting connections/);
    expect(dlq('Loading')).toEqual([]);
    await warehouseMatchesSource();
  });

  it('refuses a load whose role lost its read of processed objects, parks it, and replays it', async () => {
    const processed = rehearsal.buckets.processed.bucket;
    rehearsal.enforce(
      without(
        (s, id) =>
          id.startsWith('LoadingLoadRole') &&
          JSON.stringify(s.Action) === '"s3:GetObject"' &&
          JSON.stringify(s.Resource).includes('fact_payment'),
      ),
    );
    await changeSource();
    const mark = rehearsal.lambda.invocations.length;
    try {
      await rehearsal.tick();
    } finally {
      rehearsal.enforce(template);
    }
    const loads = since(mark).filter((r) => r.function === fnId('Loading'));
    expect(loads.map((r) => r.ok)).toEqual([false, false, false]);
    expect(loads[0]?.error?.errorMessage).toMatch(
      new RegExp(
        `AccessDenied: User: arn:aws:sts::\\d+:assumed-role/[^ ]+LoadingLoadRole[^ ]* is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${processed}/`,
      ),
    );
    const parked = dlq('Loading');
    expect(parked).toHaveLength(1);
    expect(parked[0]?.requestContext.condition).toBe('RetriesExhausted');
    expect(parked[0]?.requestContext.approximateInvokeCount).toBe(3);
    expect(await compareWithReference(rehearsal.source, rehearsal.warehouse)).not.toEqual([]);

    await replay(parked);
    expect(failures(rehearsal.lambda.invocations.slice(-1))).toEqual([]);
    await warehouseMatchesSource();
  });

  it('parks a transform that S3 kept refusing, and replays it once S3 answers again', async () => {
    await changeSource();
    const fault = {
      service: 's3' as const,
      matches: (operation: string, key: string) =>
        operation === 'GetObject' && key.startsWith('manifests/'),
      remaining: 1000,
      status: 503,
      code: 'SlowDown',
    };
    rehearsal.gateway.faults.push(fault);
    const mark = rehearsal.lambda.invocations.length;
    try {
      await rehearsal.tick();
    } finally {
      rehearsal.gateway.faults.splice(0);
    }
    const transforms = since(mark).filter((r) => r.function === fnId('Transformation'));
    expect(transforms.map((r) => r.ok)).toEqual([false, false, false]);
    expect(transforms[0]?.error?.errorMessage).toMatch(
      new RegExp(
        `^S3 GetObject s3://${rehearsal.buckets.landing.bucket}/manifests/\\S+ failed: SlowDown`,
      ),
    );
    const parked = dlq('Transformation');
    expect(parked).toHaveLength(1);
    await replay(parked);
    await warehouseMatchesSource();
  });

  it('raises the reconciliation alarm on a batch whose counts do not add up, and loads it at the next tick once they do', async () => {
    await changeSource();
    let tampered: string | undefined;
    rehearsal.lambda.onBeforeAttempt = async (fn, event) => {
      if (!fn.logicalId.startsWith('Loading') || tampered) return;
      const key = (event as { Records: { s3: { object: { key: string } } }[] }).Records[0]?.s3
        .object.key as string;
      tampered = key;
      // What load reconciles against is the landing counts the processed manifest carries.
      const processed = JSON.parse((await rehearsal.buckets.processed.get(key)).toString()) as {
        landed: { tables: { table: string; rows: number }[] };
      };
      const entry = processed.landed.tables.find((t) => t.rows > 0) as { rows: number };
      entry.rows += 1;
      await rehearsal.buckets.processed.put(key, JSON.stringify(processed));
      rehearsal.untamper = async () => {
        entry.rows -= 1;
        await rehearsal.buckets.processed.put(key, JSON.stringify(processed));
      };
    };
    const mark = rehearsal.lambda.invocations.length;
    try {
      await rehearsal.tick();
    } finally {
      rehearsal.lambda.onBeforeAttempt = () => undefined;
    }
    const loads = since(mark).filter((r) => r.function === fnId('Loading'));
    // Counts that disagree disagree again on a retry: the fault is answered once, not retried.
    expect(loads.map((r) => [r.ok, faultOf(r)?.name])).toEqual([[true, 'ReconciliationError']]);
    expect(dlq('Loading')).toEqual([]);
    const alarms = alarmsOf(rehearsal.deployment);
    const mismatch = alarms.find((a) => a.metricName === 'ReconciliationMismatch');
    const fatal = alarms.find((a) => a.name.endsWith('-load-fatal-errors'));
    expect(mismatch && stateAfter(mismatch, emittedMetrics(since(mark)))).toBe('ALARM');
    expect(fatal && stateAfter(fatal, emittedMetrics(since(mark)))).toBe('ALARM');

    await rehearsal.untamper?.();
    // The batch is still owed: the next batch's load catches it up first.
    await changeSource();
    const recovered = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(recovered))).toEqual([]);
    await warehouseMatchesSource();
  });
}

/**
 * Ingest failing, raising its alarms, cleaning up after itself, and a long outage healing at the
 * next tick.
 */
function ingestFailing(): void {
  it('raises the ingest alarms when totesys is down, and clears them when it is back', async () => {
    const alarms = alarmsOf(rehearsal.deployment);
    const notSucceeding = alarms.find((a) => a.metricName === 'IngestSucceeded');
    const ingestDlq = alarms.find(
      (a) => a.namespace === 'AWS/SQS' && a.name.endsWith('-ingest-dead-letters'),
    );
    const ingestErrors = alarms.find((a) => a.name.endsWith('-ingest-errors'));
    await rehearsal.setDatabaseAvailable('totesys', false);
    const mark = rehearsal.lambda.invocations.length;
    try {
      await rehearsal.tick();
    } finally {
      await rehearsal.setDatabaseAvailable('totesys', true);
    }
    const outage = since(mark);
    expect(outage.map((r) => r.ok)).toEqual([false, false, false]);
    expect(notSucceeding && stateAfter(notSucceeding, emittedMetrics(outage))).toBe('ALARM');
    // The AWS/Lambda and AWS/SQS alarms watch the real function and queue of the template.
    const ingest = rehearsal.lambda.functions.get(fnId('Ingestion'));
    expect(ingestErrors?.dimensions).toEqual({ FunctionName: ingest?.name });
    expect(ingestDlq?.dimensions).toEqual({ QueueName: ingest?.onFailure?.split(':').pop() });
    expect(dlq('Ingestion')).toHaveLength(1);
    dlq('Ingestion').splice(0);

    const recovered = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(recovered))).toEqual([]);
    expect(notSucceeding && stateAfter(notSucceeding, emittedMetrics(since(recovered)))).toBe('OK');
    await warehouseMatchesSource();
  });

  it("refuses a watermark later than the source's clock in one line, raises the ingest alarms, and resumes once it is set back", async () => {
    const alarms = alarmsOf(rehearsal.deployment);
    const notSucceeding = alarms.find((a) => a.metricName === 'IngestSucceeded');
    const name = '/deliverance/dev/watermarks/staff';
    const parameter = rehearsal.gateway.parameters.get(name);
    if (!parameter) throw new Error(`No watermark ${name} after the first tick`);
    const good = parameter.value;
    parameter.value = '2099-01-01T00:00:00.000000Z';
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    const refused = since(mark);
    // A refused watermark is refused again on a retry: answered once, not retried.
    expect(refused.map((r) => [r.ok, faultOf(r)?.name])).toEqual([[true, 'WatermarkError']]);
    const message = (refused[0] && faultOf(refused[0])?.message) ?? '';
    expect(message).toMatch(
      new RegExp(
        `^The watermark of staff \\(2099-01-01T00:00:00\\.000000Z\\) is later than the source's clock \\(\\d{4}-.*Z\\), so every window would be empty: set the SSM parameter ${name} to `,
      ),
    );
    expect(message).not.toContain('\n');
    expect(notSucceeding && stateAfter(notSucceeding, emittedMetrics(refused))).toBe('ALARM');
    const fatal = alarms.find((a) => a.name.endsWith('-ingest-fatal-errors'));
    expect(fatal && stateAfter(fatal, emittedMetrics(refused))).toBe('ALARM');
    expect(dlq('Ingestion')).toEqual([]);
    // Nothing was landed for any table, and no watermark moved.
    expect(rehearsal.gateway.parameters.get(name)?.value).toBe('2099-01-01T00:00:00.000000Z');

    parameter.value = good;
    await changeSource();
    const recovered = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(recovered))).toEqual([]);
    await warehouseMatchesSource();
  });

  it('answers a stray object under manifests/ once, as a fatal error naming it, and alarms', async () => {
    const stray = 'manifests/notes.json';
    const { landing } = rehearsal.buckets;
    await landing.put(stray, '{}');
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.lambda.invokeAsync(
      rehearsal.lambda.functions.get(fnId('Transformation'))?.arn as string,
      {
        Records: [
          s3EventRecord(
            {
              bucket: landing.bucket,
              key: stray,
              size: 2,
              eTag: '"rehearsal"',
              eventName: 'ObjectCreated:Put',
              principal: rehearsal.operator.principal,
            },
            1,
          ),
        ],
      },
      's3.amazonaws.com',
      { 'aws:SourceArn': `arn:aws:s3:::${landing.bucket}`, 'aws:SourceAccount': ACCOUNT },
    );
    await rehearsal.lambda.idle();
    const answered = since(mark);
    expect(answered.map((r) => [r.function, r.ok, faultOf(r)?.name])).toEqual([
      [fnId('Transformation'), true, 'ConfigurationError'],
    ]);
    expect((answered[0] && faultOf(answered[0])?.message) ?? '').toMatch(
      /^The event names manifests\/notes\.json, which is not a batch manifest key .*: remove the object/,
    );
    const fatal = alarmsOf(rehearsal.deployment).find((a) =>
      a.name.endsWith('-transform-fatal-errors'),
    );
    expect(fatal && stateAfter(fatal, emittedMetrics(answered))).toBe('ALARM');
    expect(dlq('Transformation')).toEqual([]);
    await landing.delete(stray);
  });

  it('removes what a failed ingest attempt landed once Lambda retries it, as the role allows', async () => {
    await changeSource();
    // S3 refuses the manifest until the first attempt has failed, after its table objects.
    rehearsal.gateway.faults.push({
      service: 's3',
      matches: (operation, key) => operation === 'PutObject' && key.startsWith('manifests/'),
      remaining: 1000,
      status: 503,
      code: 'SlowDown',
    });
    rehearsal.lambda.onAttemptFailed = () => void rehearsal.gateway.faults.splice(0);
    const mark = rehearsal.lambda.invocations.length;
    const decided = rehearsal.authorizer.decisions.length;
    const denied = rehearsal.gateway.denials.length;
    try {
      await rehearsal.tick();
    } finally {
      rehearsal.lambda.onAttemptFailed = () => undefined;
      rehearsal.gateway.faults.splice(0);
    }
    const ingests = since(mark).filter((r) => r.function === fnId('Ingestion'));
    expect(ingests.map((r) => [r.attempt, r.ok])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(ingests[0]?.error?.errorMessage).toMatch(
      /^S3 PutObject \S+\/manifests\/\S+ failed: SlowDown/,
    );

    const landing = `arn:aws:s3:::${rehearsal.buckets.landing.bucket}/`;
    const byIngest = (action: string) =>
      rehearsal.authorizer.decisions
        .slice(decided)
        .filter(
          (d) =>
            d.allowed &&
            d.action === action &&
            d.principal.includes('IngestionIngestRole') &&
            d.resource.startsWith(landing),
        )
        .map((d) => d.resource.slice(landing.length));
    const batchOf = (key: string) => /\/([^/.]+)[^/]*$/.exec(key)?.[1];
    const written = byIngest('s3:PutObject');
    const finished = new Set(written.filter((k) => k.startsWith('manifests/')).map(batchOf));
    const failedAttempt = [
      ...new Set(written.filter((k) => k.endsWith('.jsonl') && !finished.has(batchOf(k)))),
    ].sort();
    expect(failedAttempt.length).toBeGreaterThan(0);
    // The retry deleted exactly those objects, each delete allowed by the template's policy.
    expect([...new Set(byIngest('s3:DeleteObject'))].sort()).toEqual(failedAttempt);
    expect(await objectsWithoutManifest(rehearsal.buckets.landing)).toEqual([]);
    const removed = emittedMetrics(ingests).filter((p) => p.name === 'UnfinishedObjectsRemoved');
    expect(removed.map((p) => p.value)).toEqual([failedAttempt.length]);
    expect(rehearsal.gateway.denials.slice(denied)).toEqual([]);
    expect(dlq('Ingestion')).toEqual([]);
    await warehouseMatchesSource();
  });

  it('heals a warehouse outage of five scheduled batches, every retry spent, at the next tick without a replay', async () => {
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.setDatabaseAvailable('warehouse', false);
    try {
      for (let tick = 1; tick <= 5; tick += 1) {
        await changeSourceWithOrders();
        await rehearsal.tick();
      }
    } finally {
      await rehearsal.setDatabaseAvailable('warehouse', true);
    }
    const outage = since(mark);
    const loads = outage.filter((r) => r.function === fnId('Loading'));
    expect(loads.map((r) => r.ok)).toEqual(Array(15).fill(false));
    expect(loads[0]?.error?.errorMessage).toMatch(/not currently accepting connections/);
    expect(failures(outage.filter((r) => r.function !== fnId('Loading')))).toEqual([]);
    const parked = dlq('Loading');
    expect(parked.map((r) => r.requestContext.approximateInvokeCount)).toEqual(Array(5).fill(3));
    expect(await compareWithReference(rehearsal.source, rehearsal.warehouse)).not.toEqual([]);

    await changeSourceWithOrders();
    const recovered = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    const cycle = since(recovered);
    expect(failures(cycle)).toEqual([]);
    // One load, the new batch's, finished the five parked ones before its own.
    expect(cycle.map((r) => r.function)).toEqual([
      fnId('Ingestion'),
      fnId('Transformation'),
      fnId('Loading'),
    ]);
    await warehouseMatchesSource();
    // The overlap re-reads the outage's rows into the new batch; the parked batches themselves
    // are loaded too, and status shows each one's load as a success.
    const parkedIds = parked.map((r) => {
      const key = (r.requestPayload as { Records: { s3: { object: { key: string } } }[] })
        .Records[0]?.s3.object.key as string;
      return key.replace(/^manifests\/|\.json$/g, '');
    });
    const logged = await rehearsal.warehouse.query<{ batch_id: string }>(
      'SELECT batch_id FROM etl.load_log WHERE batch_id = ANY($1)',
      [parkedIds],
    );
    expect(logged.rows.map((r) => r.batch_id).sort()).toEqual([...parkedIds].sort());
    for (const id of parkedIds) {
      const record = JSON.parse(
        (await rehearsal.buckets.processed.get(`runs/${id}/load.json`)).toString(),
      ) as { state: string; skipped?: boolean };
      expect({ id, state: record.state, skipped: record.skipped }).toEqual({
        id,
        state: 'success',
        skipped: undefined,
      });
    }
    // What is left in the queue was healed: the operator deletes it, nothing is replayed.
    parked.splice(0);
  });
}

/** The command line against the deployed stack, as the admin with the operator policy. */
function operating(): void {
  it('shows the deployed status to an admin with the operator policy: runs, watermarks, queues, alarms', async () => {
    const decided = rehearsal.authorizer.decisions.length;
    const alarm = raiseLoadErrorsAlarm();
    try {
      const json = await deliverance('status', '--env', 'dev', '--json');
      // The alarm in ALARM needs attention: exit 3, named in `attention`.
      expect(json).toMatchObject({ code: 3, stderr: '' });
      const status = JSON.parse(json.stdout) as PipelineStatus & { attention: string[] };
      expect(status.attention).toContain(`alarm ${alarm?.name} in ALARM`);
      expect(Object.keys(status.tables)).toEqual([...SOURCE_TABLE_NAMES]);
      const logged = await rehearsal.warehouse.query<{ batch_id: string }>(
        'SELECT max(batch_id) AS batch_id FROM etl.load_log',
      );
      expect(status.warehouse.lastLoadedBatchId).toBe(logged.rows[0]?.batch_id);
      // Freshness as the alarm measures it: the source clock of the newest loaded batch.
      const manifest = JSON.parse(
        (
          await rehearsal.buckets.processed.get(`manifests/${logged.rows[0]?.batch_id}.json`)
        ).toString(),
      ) as { completeUpTo: string };
      expect(status.warehouse.completeUpTo).toBe(manifest.completeUpTo);
      expect(status.tables.staff?.watermark).toBe(
        rehearsal.gateway.parameters.get('/deliverance/dev/watermarks/staff')?.value,
      );
      expect(status.deadLetters?.map((q) => q.name).sort()).toEqual(
        ['ingest', 'ingest-schedule', 'load', 'transform'].sort(),
      );
      expect(status.alarms).toHaveLength(alarmsOf(rehearsal.deployment).length);
      const text = await deliverance('status', '--env', 'dev');
      expect(text.stdout).toContain('Deliverance status of dev');
      expect(text.stdout).toMatch(/warehouse: complete up to \d{4}-\S+Z \(/);
      expect(text.stdout).toContain(`${alarm?.name} ALARM since`);
    } finally {
      rehearsal.gateway.alarmStates.clear();
    }
    expect(operatorDenials(decided)).toEqual([]);
  }, 600_000);

  it('doctors the deployed stack as the admin: the secrets withheld, an alarm in ALARM, the unconfirmed subscription, then confirmed', async () => {
    const decided = rehearsal.authorizer.decisions.length;
    const alarm = raiseLoadErrorsAlarm();
    let text: { code: number; stdout: string; stderr: string };
    try {
      text = await deliverance('doctor', '--env', 'dev');
    } finally {
      rehearsal.gateway.alarmStates.clear();
    }
    expect(text.code).toBe(1);
    const line = (name: string) =>
      text.stdout.split('\n').find((l) => l.slice(2).startsWith(`${name} `)) ?? '';
    expect(line('operations parameter')).toMatch(
      /^✓ operations parameter +\/deliverance\/dev\/operations: 3 functions, 4 dead-letter queues, \d+ alarms$/,
    );
    for (const role of ['source', 'warehouse']) {
      expect(line(`${role} settings`)).toMatch(
        new RegExp(
          `^✗ ${role} settings +Could not read secret \\S+: AccessDeniedException: .*not authorized to perform: secretsmanager:GetSecretValue.* → fix: run doctor with credentials that may read \\S+ \\(secretsmanager:GetSecretValue; the operator policy leaves the database passwords to the functions\\)$`,
        ),
      );
      expect(line(`${role} connection`)).toMatch(/^- /);
    }
    expect(line('landing bucket')).toMatch(/^✓ landing bucket +\S+ readable$/);
    expect(line('watermarks')).toMatch(/^✓ watermarks +11 of 11 tables read through a watermark$/);
    // The scenarios above failed stages on purpose, within the last ten runs, and a later run made
    // each good: doctor counts only the failures that still stand, and none is parked.
    expect(line('recent runs')).toMatch(/^✓ recent runs +no failure in the last 10 runs$/);
    expect(line('dead-letter queues')).toMatch(/^✓ dead-letter queues +4 empty$/);
    expect(line('alarms')).toMatch(
      new RegExp(`^✗ alarms +in ALARM: ${alarm?.name} → fix: docs/operations.md, "Alarms`),
    );
    expect(line('alarm subscriptions')).toMatch(
      new RegExp(
        `^✗ alarm subscriptions +${ADMIN} never confirmed: no alarm reaches it → fix: .*Confirm subscription`,
      ),
    );

    rehearsal.gateway.confirmSubscription(ADMIN);
    const confirmed = await doctor();
    expect(confirmed.checks['alarm subscriptions']).toMatchObject({
      status: 'ok',
      detail: `1 confirmed: ${ADMIN}`,
    });
    expect(confirmed.checks.alarms?.status).toBe('ok');
    // Only the secrets, withheld from the operator by design, still fail.
    expect(
      Object.values(confirmed.checks)
        .filter((c) => c.status === 'fail')
        .map((c) => c.name),
    ).toEqual(['source settings', 'warehouse settings']);
    expect(confirmed.code).toBe(1);
    expect(operatorDenialsButSecrets(decided)).toEqual([]);
  }, 600_000);

  it('redrives the loads an outage dead-lettered once the warehouse is back, deleting each message only after its batch went through', async () => {
    const decided = rehearsal.authorizer.decisions.length;
    // What earlier scenarios left parked is theirs to have checked; this redrive is of its own.
    dlq('Loading').splice(0);
    await rehearsal.setDatabaseAvailable('warehouse', false);
    let parked: string[];
    try {
      for (let tick = 1; tick <= 2; tick += 1) {
        await changeSourceWithOrders();
        await rehearsal.tick();
      }
      parked = dlq('Loading').map(batchOfRecord);
      expect(parked).toHaveLength(2);
      const status = JSON.parse(
        (await deliverance('status', '--env', 'dev', '--json')).stdout,
      ) as PipelineStatus;
      expect(status.deadLetters?.find((q) => q.name === 'load')?.messages).toBe(2);
      expect(status.failures.filter((f) => f.stage === 'load').map((f) => f.batchId)).toEqual(
        expect.arrayContaining(parked),
      );
      // While the warehouse is still down, each batch fails again and its message stays.
      const early = await deliverance('redrive', '--env', 'dev', '--stage', 'load');
      expect(early.code).toBe(1);
      expect(early.stderr).toMatch(
        new RegExp(
          `\\[1/2\\] load of batch ${parked[0]}: failed again, message kept: .*not currently accepting connections`,
        ),
      );
      expect(dlq('Loading')).toHaveLength(2);
      const parkedNow = await doctor();
      expect(parkedNow.checks['dead-letter queues']).toMatchObject({
        status: 'fail',
        detail: 'load holds 2',
      });
      expect(parkedNow.checks['recent runs']?.detail).toMatch(
        new RegExp(
          `last load of batch (${parked.join('|')}): .*not currently accepting connections`,
        ),
      );
    } finally {
      await rehearsal.setDatabaseAvailable('warehouse', true);
    }
    // Their visibility timeout ends; one batch is replayed by hand, the redrive does the rest.
    rehearsal.gateway.expireVisibility();
    const replayed = await deliverance(
      'replay',
      '--env',
      'dev',
      '--batch',
      parked[0] as string,
      '--stage',
      'load',
    );
    expect(replayed).toMatchObject({ code: 0, stdout: `load of batch ${parked[0]}: done\n` });
    const redrive = await deliverance('redrive', '--env', 'dev');
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain('transform: 0 redriven and deleted, 0 kept in the queue');
    expect(redrive.stdout).toContain('load: 2 redriven and deleted, 0 kept in the queue');
    expect(redrive.stderr).toContain(
      `[1/2] load of batch ${parked[0]}: already done, message deleted`,
    );
    expect(redrive.stderr).toContain(`[2/2] load of batch ${parked[1]}: done, message deleted`);
    expect(dlq('Loading')).toEqual([]);
    await warehouseMatchesSource();
    expect(operatorDenialsButSecrets(decided)).toEqual([]);
  }, 600_000);

  it('replays a batch as its S3 event would, and names a batch that does not exist in one line', async () => {
    const decided = rehearsal.authorizer.decisions.length;
    const batch = (
      await rehearsal.warehouse.query<{ id: string }>(
        'SELECT max(batch_id) AS id FROM etl.load_log',
      )
    ).rows[0]?.id as string;
    const mark = rehearsal.lambda.invocations.length;
    const replay = await deliverance('replay', '--env', 'dev', '--batch', batch);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(
      new RegExp(`^transform of batch ${batch}: already done, nothing to do\\n`),
    );
    const event = since(mark)[0]?.event as {
      Records: { eventName: string; s3: { object: { key: string } } }[];
    };
    expect(event.Records[0]?.eventName).toBe('ObjectCreated:Put');
    expect(event.Records[0]?.s3.object.key).toBe(`manifests/${batch}.json`);
    const missing = await deliverance(
      'replay',
      '--env',
      'dev',
      '--batch',
      '20200101T000000000Z-000000',
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^deliverance: There is no s3:\/\/\S+\/manifests\/20200101T000000000Z-000000\.json: check the batch id \(deliverance status --env dev lists recent batches\)\n$/,
    );
    expect(operatorDenials(decided)).toEqual([]);
  }, 600_000);
}

/** A stage whose role lost a grant on the storage key, reported as KMS's denial. */
function deniedKeys(): void {
  it('reports a load whose role lost kms:Decrypt on the storage key as a KMS denial naming the key and the action', async () => {
    const [keyId] = rehearsal.deployment
      .resourcesOf('AWS::KMS::Key')
      .find(([id]) => id.startsWith('StorageKey')) ?? [''];
    const keyArn = rehearsal.deployment.attribute(keyId, 'Arn');
    const batch = (
      await rehearsal.warehouse.query<{ id: string }>(
        'SELECT max(batch_id) AS id FROM etl.load_log',
      )
    ).rows[0]?.id as string;
    const denied = rehearsal.gateway.denials.length;
    rehearsal.enforce(
      without(
        (s, id) =>
          id.startsWith('LoadingLoadRole') && JSON.stringify(s.Action).includes('kms:Decrypt'),
      ),
    );
    const replay = await deliverance(
      'replay',
      '--env',
      'dev',
      '--batch',
      batch,
      '--stage',
      'load',
    ).finally(() => rehearsal.enforce(template));
    const load = rehearsal.lambda.functions.get(fnId('Loading'));
    const kmsDenial = {
      principal: expect.stringContaining('LoadingLoadRole') as unknown,
      action: 'kms:Decrypt',
      resource: keyArn,
      message: `User: ${load?.caller.principal} is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no identity-based policy allows the kms:Decrypt action`,
    };
    expect(rehearsal.gateway.denials.slice(denied)).toContainEqual(kmsDenial);
    expect(rehearsal.gateway.denials.slice(denied).map((d) => d.action)).not.toContain(
      's3:GetObject',
    );
    expect(replay.code).toBe(1);
    // The stage's one line names the object, and KMS's own words the action and the key.
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(replay.stdout).toMatch(
      new RegExp(
        `^load of batch ${batch}: failed: .*s3://${rehearsal.buckets.processed.bucket}/\\S+ .*AccessDenied: ${escape(kmsDenial.message)}$`,
        'm',
      ),
    );
    // With the grant back, the batch is found loaded: its run record says so again.
    expect(
      (await deliverance('replay', '--env', 'dev', '--batch', batch, '--stage', 'load')).code,
    ).toBe(0);
  }, 600_000);
}

/** Pausing, resuming and re-syncing one table while the others go on. */
function pausingAndResyncing(): void {
  it('pauses a table across two cycles, its watermark unmoved, and resumes it without loss', async () => {
    const decided = rehearsal.authorizer.decisions.length;
    const name = '/deliverance/dev/watermarks/payment';
    const before = rehearsal.gateway.parameters.get(name)?.value;
    const paused = await deliverance('pause', '--env', 'dev', '--table', 'payment');
    expect(paused).toMatchObject({ code: 0 });
    try {
      expect(rehearsal.gateway.parameters.get('/deliverance/dev/paused-tables')?.value).toBe(
        '["payment"]',
      );
      for (let cycle = 1; cycle <= 2; cycle += 1) {
        // A payment added and paid while paused would land as its paid version only, one
        // version fewer than the reference expects (docs/operations.md, pause): pay none then.
        await changeSourceWithOrders(cycle === 1 ? 2 : 0);
        const mark = rehearsal.lambda.invocations.length;
        await rehearsal.tick();
        expect(failures(since(mark))).toEqual([]);
        const ingest = since(mark).find((r) => r.function === fnId('Ingestion'))
          ?.result as IngestResult;
        expect(ingest.manifest.tables.map((t) => t.table)).not.toContain('payment');
        expect(rehearsal.gateway.parameters.get(name)?.value).toBe(before);
      }
      const status = JSON.parse(
        (await deliverance('status', '--env', 'dev', '--json')).stdout,
      ) as PipelineStatus;
      expect(status.tables.payment?.pause).toBe('paused');
      expect(status.tables.transaction?.pause).toBeNull();
      expect(await compareWithReference(rehearsal.source, rehearsal.warehouse)).not.toEqual([]);
    } finally {
      expect(await deliverance('resume', '--env', 'dev', '--table', 'payment')).toMatchObject({
        code: 0,
      });
    }
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(mark))).toEqual([]);
    expect(rehearsal.gateway.parameters.get(name)?.value).not.toBe(before);
    await warehouseMatchesSource();
    expect(operatorDenials(decided)).toEqual([]);
  }, 600_000);

  it('re-syncs one paused table from the start, the others untouched, and the warehouse ends as it was', async () => {
    const decided = rehearsal.authorizer.decisions.length;
    const refused = await deliverance('resync', '--env', 'dev', '--table', 'staff');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^deliverance: Pause staff first \(deliverance pause --table staff --env dev\): /,
    );
    expect((await deliverance('pause', '--env', 'dev', '--table', 'staff')).code).toBe(0);
    const watermarks = () =>
      Object.fromEntries(
        [...rehearsal.gateway.parameters]
          .filter(([k]) => k.includes('/watermarks/'))
          .map(([k, v]) => [k, v.value]),
      );
    const before = watermarks();
    const later = await deliverance(
      'resync',
      '--env',
      'dev',
      '--table',
      'staff',
      '--from',
      '2099-01-01T00:00:00Z',
    );
    expect(later.code).toBe(2);
    expect(later.stderr).toContain('resync only re-reads, it never skips rows');
    const resync = await deliverance('resync', '--env', 'dev', '--table', 'staff');
    expect(resync).toMatchObject({ code: 0 });
    const { '/deliverance/dev/watermarks/staff': staff, ...others } = before;
    expect(staff).toBeDefined();
    expect(watermarks()).toEqual(others);
    expect((await deliverance('resume', '--env', 'dev', '--table', 'staff')).code).toBe(0);

    const counts = await rehearsal.source.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staff',
    );
    const mark = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(mark))).toEqual([]);
    const ingest = since(mark).find((r) => r.function === fnId('Ingestion'))
      ?.result as IngestResult;
    expect(ingest.manifest.tables.find((t) => t.table === 'staff')?.rows).toBe(counts.rows[0]?.n);
    const windows = Object.fromEntries(ingest.manifest.tables.map((t) => [t.table, t.from]));
    // Staff from the start; every other table from its own watermark, less the overlap.
    expect(windows.staff).toBeNull();
    expect(Object.values(windows).filter((from) => from === null)).toHaveLength(1);
    await warehouseMatchesSource();
    expect(operatorDenials(decided)).toEqual([]);
  }, 600_000);
}

/** A batch whose manifest names an object that is gone, at transform and at load. */
function parkingMissingObjects(): void {
  it('parks a batch whose manifest names a missing object, at transform and at load, as the policies allow, and the batches after it go on', async () => {
    const { landing, processed } = rehearsal.buckets;
    const decided = rehearsal.authorizer.decisions.length;
    const denied = rehearsal.gateway.denials.length;
    // Copies of the newest manifests under new batch ids, naming objects that were never
    // written: what a manifest looks like once its objects are gone.
    const newest = (
      await rehearsal.warehouse.query<{ id: string }>(
        'SELECT max(batch_id) AS id FROM etl.load_log',
      )
    ).rows[0]?.id as string;
    const readJson = async (store: typeof landing, key: string) =>
      JSON.parse((await store.get(key)).toString()) as Record<string, unknown>;
    const atTransform = newBatchId(new Date());
    const landed = (await readJson(landing, manifestKey(newest))) as {
      tables: { table: string; keys: string[] }[];
    };
    const tables = landed.tables.map((t) => ({
      ...t,
      keys: t.keys.map((_, part) => landingKey(t.table, atTransform, part)),
    }));
    const missingLanding = tables.flatMap((t) => t.keys);
    expect(missingLanding.length).toBeGreaterThan(0);
    await landing.put(
      manifestKey(atTransform),
      JSON.stringify({ ...landed, batchId: atTransform, tables }),
    );
    const atLoad = newBatchId(new Date(Date.now() + 1));
    const transformed = (await readJson(processed, manifestKey(newest))) as {
      tables: { table: string; key: string }[];
    };
    const parquet = transformed.tables.map((t) => ({ ...t, key: processedKey(t.table, atLoad) }));
    await processed.put(
      manifestKey(atLoad),
      JSON.stringify({ ...transformed, batchId: atLoad, tables: parquet }),
    );

    // Each manifest's S3 event, as S3 sends it when the copy is written.
    const mark = rehearsal.lambda.invocations.length;
    for (const [prefix, store, batchId] of [
      ['Transformation', landing, atTransform],
      ['Loading', processed, atLoad],
    ] as const) {
      const key = manifestKey(batchId);
      const record = s3EventRecord(
        {
          bucket: store.bucket,
          key,
          size: (await store.get(key)).length,
          eTag: '"rehearsal"',
          eventName: 'ObjectCreated:Put',
          principal: rehearsal.operator.principal,
        },
        1,
      );
      await rehearsal.lambda.invokeAsync(
        rehearsal.lambda.functions.get(fnId(prefix))?.arn as string,
        { Records: [record] },
        's3.amazonaws.com',
        { 'aws:SourceArn': `arn:aws:s3:::${store.bucket}`, 'aws:SourceAccount': ACCOUNT },
      );
    }
    await rehearsal.lambda.idle();
    const parkedRuns = since(mark);
    const outcome = (prefix: string) =>
      parkedRuns
        .filter((r) => r.function === fnId(prefix))
        .map((r) => [r.ok, r.error?.errorType, r.error?.errorMessage]);
    const parkedAt = (stage: string, batchId: string, bucket: string, keys: string[]) =>
      expect.stringMatching(
        new RegExp(
          `^Batch ${batchId} parked at ${stage}: s3://${bucket}/(${keys.join('|')}) does not exist \\(NoSuchKey: .*\\)\\. Nothing of the batch was written and the batches after it go on; .*deliverance replay --batch ${batchId}`,
        ),
      ) as unknown;
    // Parking is a handled outcome: one attempt that returns, recorded as the batch's failure,
    // so nothing is retried and nothing reaches the dead-letter queues.
    expect(outcome('Transformation')).toEqual([[true, undefined, undefined]]);
    expect(outcome('Loading')).toEqual([[true, undefined, undefined]]);
    expect(dlq('Transformation')).toEqual([]);
    expect(dlq('Loading')).toEqual([]);
    const runLog = new ObjectStoreRunLog(processed);
    expect((await runLog.read(atTransform, 'transform'))?.error).toEqual(
      parkedAt('transform', atTransform, landing.bucket, missingLanding),
    );
    expect((await runLog.read(atLoad, 'load'))?.error).toEqual(
      parkedAt(
        'load',
        atLoad,
        processed.bucket,
        parquet.map((t) => t.key),
      ),
    );

    // The reasons, written by each stage's role as the template's policies allow.
    expect(await landing.exists(parkedReasonKey(atTransform))).toBe(true);
    expect(await processed.exists(parkedReasonKey(atLoad))).toBe(true);
    const reasonsWritten = rehearsal.authorizer.decisions
      .slice(decided)
      .filter((d) => d.action === 's3:PutObject' && d.resource.endsWith('.reason.json'))
      .map((d) => ({
        allowed: d.allowed,
        role: /(Transformation|Loading)\w*Role/.exec(d.principal)?.[1],
        resource: d.resource,
      }));
    expect(new Set(reasonsWritten.map((d) => JSON.stringify(d)))).toEqual(
      new Set([
        JSON.stringify({
          allowed: true,
          role: 'Transformation',
          resource: `arn:aws:s3:::${landing.bucket}/${parkedReasonKey(atTransform)}`,
        }),
        JSON.stringify({
          allowed: true,
          role: 'Loading',
          resource: `arn:aws:s3:::${processed.bucket}/${parkedReasonKey(atLoad)}`,
        }),
      ]),
    );
    expect(rehearsal.gateway.denials.slice(denied)).toEqual([]);
    const parkedAlarms = ['transform', 'load'].map(
      (stage) =>
        alarmsOf(rehearsal.deployment).find((a) =>
          a.name.endsWith(`-${stage}-batch-parked`),
        ) as TemplateAlarm,
    );
    for (const alarm of parkedAlarms) {
      expect(stateAfter(alarm, emittedMetrics(parkedRuns))).toBe('ALARM');
    }

    // The next batch goes on past both, and status lists them parked, with what is missing.
    await changeSource();
    const next = rehearsal.lambda.invocations.length;
    await rehearsal.tick();
    expect(failures(since(next))).toEqual([]);
    // The gauge of every later invocation still counts them: the alarms stay on.
    for (const alarm of parkedAlarms) {
      expect(stateAfter(alarm, emittedMetrics(since(next)))).toBe('ALARM');
    }
    await warehouseMatchesSource();
    const status = JSON.parse(
      (await deliverance('status', '--env', 'dev', '--json')).stdout,
    ) as PipelineStatus;
    expect(status.parked.map((p) => [p.batchId, p.stage, p.bucket])).toEqual(
      expect.arrayContaining([
        [atTransform, 'transform', landing.bucket],
        [atLoad, 'load', processed.bucket],
      ]),
    );
    expect(status.gaps).toEqual([]);
    const text = (await deliverance('status', '--env', 'dev')).stdout;
    expect(text).toContain('parked batches (2), waiting for a missing object:');
    expect(text).toContain(`  ${atTransform} transform at `);
    expect(text).toContain(`  ${atLoad} load at `);
    expect(rehearsal.gateway.denials.slice(denied)).toEqual([]);
    expect(operatorDenials(decided)).toEqual([]);
  }, 600_000);
}

/** What the rehearsal learnt of the policies, and the alarm path to the admins. */
function policiesAndAlarms(): void {
  it('grants the operator exactly what the commands used', () => {
    expect(unusedGrants([rehearsal.authorizer], [rehearsal.operator.roleArn])).toEqual({
      Admins: [],
    });
  });

  it('emits every custom metric an alarm watches, with exactly its dimensions', () => {
    const points = emittedMetrics(rehearsal.lambda.invocations);
    const custom = alarmsOf(rehearsal.deployment).filter((a) => !a.namespace.startsWith('AWS/'));
    expect(custom.length).toBeGreaterThanOrEqual(3);
    for (const alarm of custom) {
      expect({ alarm: alarm.name, points: watched(alarm, points).length > 0 }).toEqual({
        alarm: alarm.name,
        points: true,
      });
    }
    const stale = custom.find((a) => a.metricName === 'WarehouseFreshnessSeconds');
    expect(stale && stateAfter(stale, points)).toBe('OK');
  });

  it('delivers every alarm to the admins: CloudWatch may publish to the topic and use its key', async () => {
    for (const alarm of alarmsOf(rehearsal.deployment)) {
      expect(await notify(rehearsal.deployment, rehearsal.authorizer, alarm)).toEqual({
        denied: [],
        mailedTo: [ADMIN],
      });
    }
  });

  it('refuses the alarm path when the topic policy lacks the CloudWatch allow', async () => {
    const edited = without(
      (s, id) => id.startsWith('MonitoringAlarmTopicPolicy') && s.Effect === 'Allow',
    );
    const { Deployment } = await import('./support/deployment');
    const { Authorizer } = await import('./support/authorizer');
    const deployment = new Deployment(edited, rehearsal.deployment.stackName);
    const alarm = alarmsOf(deployment)[0];
    const outcome = alarm && (await notify(deployment, new Authorizer(deployment), alarm));
    expect(outcome?.mailedTo).toEqual([]);
    expect(outcome?.denied[0]).toMatch(
      /User: cloudwatch\.amazonaws\.com is not authorized to perform: sns:Publish on resource: arn:aws:sns:.* because no resource-based policy allows the sns:Publish action/,
    );
  });
}

/**
 * The cap per table per batch at a few hundred rows, on a source whose largest table holds
 * three caps: the first load is a backlog that ingest drains by invoking itself, batch after
 * batch, through the gateway with its own role.
 */
const CAP = 200;

describe('a backlog over the cap per batch, rehearsed', () => {
  beforeAll(async () => {
    await rehearse({ 'deliverance:maxBatchRows': CAP });
    await seedTotesys(rehearsal.postgres.url('totesys'), { scale: 0.04 });
    await recordSourceHistory(rehearsal.source);
  }, 300_000);
  afterAll(() => rehearsal?.stop());

  const ingest = () => rehearsal.lambda.functions.get(fnId('Ingestion')) as RehearsedFunction;
  const ingests = (records: readonly InvocationRecord[]) =>
    records.filter((r) => r.function === ingest().logicalId);
  const resultOf = (record: InvocationRecord | undefined) => record?.result as IngestResult;
  /** Ingest's invocations of itself, as the policies in force decided them, from `mark` on. */
  const selfInvocations = (mark: number) =>
    rehearsal.authorizer.decisions
      .slice(mark)
      .filter(
        (d) => d.action === 'lambda:InvokeFunction' && d.principal === ingest().caller.principal,
      )
      .map((d) => ({ allowed: d.allowed, resource: d.resource }));
  // Powertools writes warnings and errors to stderr, the rest to stdout.
  const messagesAt = (level: string, record: InvocationRecord | undefined) =>
    [...(record?.stdout ?? []), ...(record?.stderr ?? [])]
      .filter((line) => line.includes(`"level":"${level}"`))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);

  it('lands the batch whose invocation of the next one is refused, logs why, and stops there', async () => {
    // The grant is gone once the second batch runs: the first batch still starts it.
    const refusing = without((_, id) => id.startsWith('IngestionIngestFunctionInvokeSelf'));
    let started = 0;
    rehearsal.lambda.onBeforeAttempt = (fn) => {
      if (fn.logicalId === ingest().logicalId && (started += 1) === 2) rehearsal.enforce(refusing);
    };
    const mark = rehearsal.lambda.invocations.length;
    const decided = rehearsal.authorizer.decisions.length;
    const denied = rehearsal.gateway.denials.length;
    try {
      await rehearsal.tick();
    } finally {
      rehearsal.lambda.onBeforeAttempt = () => undefined;
      rehearsal.enforce(template);
    }
    const cycle = since(mark);
    expect(failures(cycle)).toEqual([]);
    const runs = ingests(cycle);
    expect(runs.map((r) => resultOf(r).caughtUp)).toEqual([false, false]);
    expect(selfInvocations(decided)).toEqual([{ allowed: true, resource: ingest().arn }]);
    expect(rehearsal.gateway.denials.slice(denied)).toEqual([
      {
        principal: ingest().caller.principal,
        action: 'lambda:InvokeFunction',
        resource: ingest().arn,
        message: expect.stringMatching(
          /is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:\S+ because no identity-based policy allows/,
        ) as unknown,
      },
    ]);
    expect(messagesAt('ERROR', runs[1])).toEqual([
      expect.objectContaining({
        message: 'Could not start the next batch of the backlog: the schedule will continue it',
        error: expect.stringMatching(/^AccessDeniedException: User: arn:aws:sts::/) as unknown,
      }),
    ]);
    const nextStarted = emittedMetrics(runs).filter((p) => p.name === 'BacklogBatchStarted');
    expect(nextStarted.map((p) => p.value)).toEqual([1]);
    expect(dlq('Ingestion')).toEqual([]);
    expect(await compareWithReference(rehearsal.source, rehearsal.warehouse)).not.toEqual([]);
  });

  it('goes on at the next tick and drains the backlog, each batch invoking the next, each within the cap', async () => {
    const refused = resultOf(ingests(rehearsal.lambda.invocations).at(-1));
    const stoppedAt = refused.manifest.tables.find((t) => t.upTo !== undefined);
    const mark = rehearsal.lambda.invocations.length;
    const decided = rehearsal.authorizer.decisions.length;
    const denied = rehearsal.gateway.denials.length;
    await rehearsal.tick();
    const cycle = since(mark);
    expect(failures(cycle)).toEqual([]);
    const results = ingests(cycle).map(resultOf);
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.map((r) => r.caughtUp)).toEqual([
      ...Array(results.length - 1).fill(false),
      true,
    ]);
    // The tick's batch starts after the last row the refused one landed.
    const resumed = results[0]?.manifest.tables.find((t) => t.table === stoppedAt?.table);
    expect(resumed?.after).toEqual(stoppedAt?.upTo);
    expect(selfInvocations(decided)).toEqual(
      Array(results.length - 1).fill({ allowed: true, resource: ingest().arn }),
    );
    expect(rehearsal.gateway.denials.slice(denied)).toEqual([]);

    const landed: { key: string; rows: number }[] = [];
    for (const { manifest } of ingests(rehearsal.lambda.invocations).map(resultOf)) {
      for (const key of manifest.tables.flatMap((t) => t.keys)) {
        landed.push({ key, rows: (await readJsonLines(rehearsal.buckets.landing, key)).length });
      }
    }
    expect(landed.filter((o) => o.rows > CAP)).toEqual([]);
    // The cap was reached batch after batch, not merely never exceeded.
    expect(landed.filter((o) => o.rows === CAP).length).toBeGreaterThanOrEqual(3);
    await warehouseMatchesSource();
  });
});

describe('the rehearsals together', () => {
  it('grant the stage roles nothing they did not need, but what is named', () => {
    const roles = [...rehearsal.lambda.functions.values()].map((f) => f.roleArn);
    const report = unusedGrants(rehearsed, roles);
    console.log(`Granted but unused in the rehearsals:\n${JSON.stringify(report, null, 2)}`);
    const known = [
      // CDK's SQS destination grants these beside SendMessage; Lambda sends with SendMessage.
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      // Only after a multipart upload fails part-way, which no scenario here makes happen.
      's3:AbortMultipartUpload',
    ];
    // The warehouse preparation dead-letters only an answer CloudFormation could not be sent.
    const knownOf = (role: string) =>
      role.includes('WarehousePreparation') ? [...known, 'sqs:SendMessage'] : known;
    expect(rehearsed).toHaveLength(2);
    for (const [role, actions] of Object.entries(report)) {
      expect({ role, actions: actions.filter((a) => !knownOf(role).includes(a)) }).toEqual({
        role,
        actions: [],
      });
    }
  });
});
