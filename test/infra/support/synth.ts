import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readConfig } from '../../../lib/config';
import { DeliveranceStack } from '../../../lib/deliverance-stack';
import { PROJECT_ROOT } from '../../../lib/pipeline-function';

/** The context `cdk synth` uses, so tests see what a deploy would. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export interface Synthesized {
  readonly app: App;
  readonly stack: DeliveranceStack;
  readonly template: Template;
  readonly outdir: string;
}

/**
 * Builds the stack from cdk.json's context plus `overrides`. Bundling is skipped (esbuild is the
 * slow part) unless `bundle` is set: only the bundle test pays for it.
 */
export function synthesize(
  overrides: Record<string, unknown> = {},
  options: { bundle?: boolean; env?: Environment } = {},
): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'deliverance-cdk-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...overrides,
    },
  });
  const config = readConfig(app.node);
  const stack = new DeliveranceStack(app, `Deliverance-${config.environment}`, {
    config,
    ...(options.env ? { env: options.env } : {}),
  });
  return { app, stack, template: Template.fromStack(stack), outdir };
}

/** A configuration that switches every optional part on. */
export const FULL_CONTEXT: Record<string, unknown> = {
  'deliverance:environment': 'prod',
  'deliverance:adminEmails': ['data-oncall@example.com', 'lead@example.com'],
  'deliverance:tableSchedules': {
    payment: 'rate(1 minute)',
    transaction: 'rate(1 minute)',
    currency: 'cron(0 3 * * ? *)',
  },
  'deliverance:vpcId': 'vpc-0123456789abcdef0',
  'deliverance:subnetIds': ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  'deliverance:securityGroupId': 'sg-0123456789abcdef0',
  'deliverance:vpcEndpoints': true,
  'deliverance:sourceSecret':
    'arn:aws:secretsmanager:eu-west-2:123456789012:secret:deliverance/totesys-AbCdEf',
  'deliverance:warehouseSecret':
    'arn:aws:secretsmanager:eu-west-2:123456789012:secret:deliverance/warehouse-GhIjKl',
  'deliverance:sourceSecretKmsKeyArn':
    'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  'deliverance:warehouseSecretKmsKeyArn':
    'arn:aws:kms:eu-west-2:123456789012:key/5678efab-12ab-34cd-56ef-1234567890ab',
  'deliverance:quickSight': true,
  'deliverance:quickSightVpcConnectionArn':
    'arn:aws:quicksight:eu-west-2:123456789012:vpcConnection/deliverance-warehouse',
  'deliverance:quickSightPrincipalArns': [
    'arn:aws:quicksight:eu-west-2:123456789012:group/default/analysts',
  ],
};
