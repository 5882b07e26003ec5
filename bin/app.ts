#!/usr/bin/env node
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../lib/config';
import { DeliveranceStack } from '../lib/deliverance-stack';
import { regionNotice } from '../lib/deploy-region';

const app = new App();
const config = readConfig(app.node);

const stack = new DeliveranceStack(app, `Deliverance-${config.environment}`, {
  config,
  description: `Deliverance: incremental ELT from totesys to the star-schema warehouse (${config.environment})`,
  // Unset without credentials, which keeps the stack environment-agnostic for synth and tests.
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
  tags: { project: 'deliverance', environment: config.environment },
});
const notice = regionNotice(process.env);
if (notice) Annotations.of(stack).addWarningV2('deliverance:region', notice);

// Synth and deploy refuse an unacknowledged AwsSolutions error, not only the test suite.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
