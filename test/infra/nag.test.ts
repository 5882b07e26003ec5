import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
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
