import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on a construct and everything under it, with one reason.
 * cdk-nag 3 matches each finding by its exact id (`AwsSolutions-IAM5[Resource::…]`), so a new
 * wildcard someone adds later still fails the nag test instead of hiding under an old reason.
 */
export function acknowledge(scope: IConstruct, reason: string, findings: readonly string[]): void {
  Validations.of(scope).acknowledge(...findings.map((id) => ({ id, reason })));
}

/** The `<bucket ARN>/<prefix>/*` findings that prefix-scoped grants on `bucket` produce. */
export function prefixFindings(bucket: s3.IBucket, prefixes: readonly string[]): string[] {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement);
  return prefixes.map(
    (prefix) => `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix.replace(/\/$/, '')}/*]`,
  );
}

/**
 * How cdk-nag writes an ARN the stack formats: pseudo parameters as `<AWS::…>`, values the
 * stack knows (its region and account when deployed to a fixed environment) as themselves.
 */
export function nagArn(scope: IConstruct, service: string, resource: string): string {
  const stack = Stack.of(scope);
  const part = (value: string, pseudo: string) =>
    Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
  return `arn:${part(stack.partition, 'Partition')}:${service}:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:${resource}`;
}
