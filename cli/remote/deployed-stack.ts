import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { operationsParameterName, type OperationsParameter } from '../../contract/operations';
import { S3ObjectStore } from '../../lambdas/shared/adapters/s3-object-store';
import { SsmWatermarkStore } from '../../lambdas/shared/adapters/ssm-watermark-store';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import type { OperatedWatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { defaultAwsClients, type AwsClients } from './aws-clients';

/** A deployed environment, as its operations parameter describes it. */
export interface DeployedStack {
  readonly environment: string;
  readonly operations: OperationsParameter;
  readonly clients: AwsClients;
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly watermarks: OperatedWatermarkStore;
  close(): void;
}

/**
 * Finds the stack of `environment` from the one SSM parameter it writes, read with the caller's
 * own credentials and region.
 *
 * @throws Error in one line saying what to check when the parameter cannot be read.
 * @example
 * const stack = await openDeployedStack('prod');
 * await stack.watermarks.read('staff');
 */
export async function openDeployedStack(
  environment: string,
  clients: AwsClients = defaultAwsClients(),
): Promise<DeployedStack> {
  const name = operationsParameterName(environment);
  let text: string | undefined;
  try {
    const answer = await clients.ssm.send(new GetParameterCommand({ Name: name }));
    text = answer.Parameter?.Value;
  } catch (error) {
    clients.destroy();
    const e = error as { name?: string; message?: string };
    const region = await clients.ssm.config.region().catch(() => undefined);
    if (e.name === 'ParameterNotFound') {
      throw new Error(
        `No deployed environment "${environment}" in ${region ?? 'this region'}: SSM parameter ${name} does not exist. Check --env and AWS_REGION (or AWS_PROFILE), or deploy it: npx cdk deploy -c deliverance:environment=${environment}`,
      );
    }
    throw new Error(
      `Could not read SSM parameter ${name}${region ? ` in ${region}` : ''}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}. Check your AWS credentials and region, and that your role has the policy deliverance-${environment}-operator`,
    );
  }
  const operations = parseOperations(text ?? '', name);
  return {
    environment,
    operations,
    clients,
    landing: new S3ObjectStore(clients.s3, operations.landingBucket),
    processed: new S3ObjectStore(clients.s3, operations.processedBucket),
    watermarks: new SsmWatermarkStore(operations.watermarkParameterPrefix, clients.ssm),
    close: () => clients.destroy(),
  };
}

function parseOperations(text: string, name: string): OperationsParameter {
  let value: Partial<OperationsParameter>;
  try {
    value = JSON.parse(text) as Partial<OperationsParameter>;
  } catch {
    value = {};
  }
  if (
    value.version !== 1 ||
    typeof value.landingBucket !== 'string' ||
    typeof value.processedBucket !== 'string' ||
    typeof value.watermarkParameterPrefix !== 'string' ||
    !value.functions ||
    !Array.isArray(value.deadLetterQueues) ||
    !Array.isArray(value.alarms)
  ) {
    throw new Error(
      `SSM parameter ${name} is not one this release of deliverance reads: deploy the stack from this release (npx cdk deploy), or use the release that deployed it`,
    );
  }
  return value as OperationsParameter;
}
