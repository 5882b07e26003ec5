import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { SOURCE_TABLES, WAREHOUSE_TABLES } from '../contract/pipeline-tables';
import type { StageAccess } from '../contract/stage-access';
import type { AccessKind, PrefixAccess } from '../contract/storage-access';

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

const VERBS: Readonly<Record<AccessKind, string>> = {
  read: 'reads',
  write: 'writes',
  list: 'lists',
  probe: 'reads, or finds missing,',
  delete: 'deletes',
};

/** Prefixes as a reader takes them in: the per-table ones folded into one phrase. */
function prefixPhrase(prefixes: readonly string[]): string {
  const folded: string[] = [];
  let rest = [...prefixes];
  for (const [tables, phrase] of [
    [SOURCE_TABLES, 'each source table prefix'],
    [WAREHOUSE_TABLES, 'each warehouse table prefix'],
  ] as const) {
    const ofTables = tables.map((t) => `${t}/`);
    if (ofTables.every((p) => rest.includes(p))) {
      folded.push(phrase);
      rest = rest.filter((p) => !ofTables.includes(p));
    }
  }
  return [...folded, ...rest].join(', ');
}

function bucketPhrase(bucket: string, access: PrefixAccess): string {
  const kinds = Object.keys(VERBS) as AccessKind[];
  const parts = kinds.flatMap((kind) => {
    const prefixes = access[kind] ?? [];
    return prefixes.length > 0 ? [`${VERBS[kind]} ${prefixPhrase(prefixes)}`] : [];
  });
  return `on ${bucket} it ${parts.join('; ')}`;
}

/**
 * The reason for the wildcard findings of a stage's grants, written from the access that made
 * them (contract/stage-access.ts), so the text cannot fall behind the grants.
 *
 * @example
 * acknowledge(fn, accessReason('Transform', STAGE_ACCESS.transform), findings);
 */
export function accessReason(name: string, access: StageAccess): string {
  const buckets = Object.entries(access.storage).map(([bucket, prefixes]) =>
    bucketPhrase(bucket, prefixes),
  );
  const { read = [], write = [] } = access.parameters ?? {};
  const parameters = [
    ...(read.length > 0
      ? [`reads the SSM parameters under <prefix>/${read.join(', <prefix>/')}`]
      : []),
    ...(write.length > 0 ? [`writes those under <prefix>/${write.join(', <prefix>/')}`] : []),
  ];
  const what = [...buckets, ...(parameters.length > 0 ? [`it ${parameters.join(' and ')}`] : [])];
  return `${name}, as contract/stage-access.ts declares it: ${what.join('; ')}. Batch ids and tables are only known at run time, so each wildcard stops at the prefix it is granted on.`;
}
