import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { failFastClient, NETWORK_TIMEOUTS } from '../../lambdas/shared/adapters/fail-fast-client';

/** The AWS clients the commands use against a deployed stack. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient;
  /** doctor only: it reads the database secrets with the caller's own rights. */
  readonly secrets: SecretsManagerClient;
  /** doctor only: the alarm topic's subscriptions. */
  readonly sns: SNSClient;
  destroy(): void;
}

/**
 * Clients on the SDK's default chain: the caller's own credentials and region (environment,
 * profile, SSO, instance role), and endpoints from `AWS_ENDPOINT_URL*` when set.
 */
export function defaultAwsClients(): AwsClients {
  // A replay or redrive waits in silence for the function, up to Lambda's 15 minutes: the socket
  // may idle that long, the connection still has to open in seconds.
  const lambda = failFastClient('Lambda', (timeouts) => new LambdaClient({ ...timeouts }), {
    ...NETWORK_TIMEOUTS,
    socketTimeout: 16 * 60_000,
  });
  const clients = {
    s3: failFastClient('S3', (timeouts) => new S3Client({ ...timeouts })),
    ssm: failFastClient('SSM', (timeouts) => new SSMClient({ ...timeouts })),
    lambda,
    // The queue URLs are the stack's own, in this region: the client's endpoint serves them, and
    // sending to the URL's host instead would bypass an AWS_ENDPOINT_URL (a VPC endpoint, a test).
    sqs: failFastClient(
      'SQS',
      (timeouts) => new SQSClient({ useQueueUrlAsEndpoint: false, ...timeouts }),
    ),
    cloudwatch: failFastClient('CloudWatch', (timeouts) => new CloudWatchClient({ ...timeouts })),
    secrets: failFastClient(
      'Secrets Manager',
      (timeouts) => new SecretsManagerClient({ ...timeouts }),
    ),
    sns: failFastClient('SNS', (timeouts) => new SNSClient({ ...timeouts })),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
