import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { SOURCE_TABLES, WAREHOUSE_TABLES } from '../../contract/pipeline-tables';
import { STAGE_ACCESS } from '../../contract/stage-access';
import { STAGES } from '../../contract/stages';
import { accessReason } from '../../lib/nag';
import { FULL_CONTEXT, synthesize } from './support/synth';

/** Every acknowledgement under `root`, as [construct path, rule id, reason]. */
function acknowledgements(root: IConstruct): [string, string, unknown][] {
  return root.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, unknown>).map(
            ([id, reason]): [string, string, unknown] => [construct.node.path, id, reason],
          ),
        ),
    );
}

describe.each([
  ['the default dev configuration', {}, undefined],
  ['every option switched on', FULL_CONTEXT, undefined],
  // A fixed account and region change how ARNs render, and so the exact finding ids.
  ['a fixed account and region', FULL_CONTEXT, { account: '123456789012', region: 'eu-west-2' }],
])('cdk-nag AwsSolutions with %s', (_name, context, env) => {
  const { app } = synthesize(context, env ? { env } : {});
  const report = new AwsSolutionsChecks().validateScope(app);

  it('finds no unacknowledged error', () => {
    const errors = report.violations
      .filter((v) => v.severity === 'error')
      .map(
        (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
    expect(errors).toEqual([]);
  });

  it('gives every acknowledgement a reason that says why', () => {
    const acknowledged = acknowledgements(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [path, id, reason] of acknowledged) {
      expect({ path, id, reason }).toEqual({
        path,
        id: expect.stringMatching(/^(annotation::)?AwsSolutions-[A-Z]+\d+/i),
        // A sentence, not a token: eight words or more.
        reason: expect.stringMatching(/^(\S+\s+){7,}\S+/),
      });
    }
  });
});

it('fails on a regression: a bucket without TLS enforcement is reported', () => {
  const { app, stack } = synthesize();
  // Drop the TLS-only bucket policy and see the check catch it.
  expect(stack.storage.landing.node.tryRemoveChild('Policy')).toBe(true);
  const report = new AwsSolutionsChecks().validateScope(app);
  expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-S10');
});

describe("the reason a stage's wildcards are acknowledged with", () => {
  it('is written from the access contract/stage-access.ts declares: every bucket, kind and prefix', () => {
    for (const stage of STAGES) {
      const reason = accessReason(stage, STAGE_ACCESS[stage]);
      for (const [bucket, access] of Object.entries(STAGE_ACCESS[stage].storage)) {
        expect(reason).toContain(`on ${bucket} it `);
        for (const prefixes of Object.values(access) as (readonly string[])[]) {
          const perTable = (p: string) =>
            [...SOURCE_TABLES, ...WAREHOUSE_TABLES].some((t) => p === `${t}/`);
          const named = prefixes.filter((p) => !perTable(p)).join(', ');
          if (named) expect(reason).toContain(named);
          if (prefixes.some(perTable))
            expect(reason).toMatch(/each (source|warehouse) table prefix/);
        }
      }
      for (const path of STAGE_ACCESS[stage].parameters?.read ?? []) {
        expect(reason).toContain(`<prefix>/${path}`);
      }
    }
  });

  it('says what each kind of access does, the per-table prefixes folded into one phrase', () => {
    expect(accessReason('Load', STAGE_ACCESS.load)).toBe(
      'Load, as contract/stage-access.ts declares it: on processed it reads each warehouse table prefix, manifests/; writes quarantine/, runs/; lists manifests/, quarantine/; reads, or finds missing, runs/. Batch ids and tables are only known at run time, so each wildcard stops at the prefix it is granted on.',
    );
    expect(accessReason('Ingest', STAGE_ACCESS.ingest)).toContain(
      'deletes each source table prefix; it reads the SSM parameters under <prefix>/watermarks/, <prefix>/paused-tables, <prefix>/source-zone, <prefix>/schema-changes, <prefix>/deletes and writes those under <prefix>/watermarks/, <prefix>/source-zone, <prefix>/schema-changes, <prefix>/deletes.',
    );
  });
});
