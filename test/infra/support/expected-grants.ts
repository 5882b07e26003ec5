import type { StageAccess } from '../../../contract/stage-access';
import type { BucketRole } from '../../../contract/storage-access';

/**
 * The S3 and KMS grants a stage's declared access needs, worked out from the contract alone, as
 * `action resource` lines: object actions on `<bucket id>/<prefix>*`, `s3:ListBucket` on
 * `<bucket id>` (with the prefixes it is limited to, when only listing needs it), and the bucket
 * key's actions on `<key id>`. S3 asks KMS on the caller's behalf: a new object needs
 * `kms:GenerateDataKey`, and reading one or uploading the parts of a multipart upload
 * `kms:Decrypt`.
 */
export function expectedStorageGrants(
  access: StageAccess,
  bucketId: (role: BucketRole) => string,
  keyId: (role: BucketRole) => string,
): string[] {
  const grants = new Set<string>();
  for (const [role, prefixes] of Object.entries(access.storage) as [
    BucketRole,
    NonNullable<StageAccess['storage'][BucketRole]>,
  ][]) {
    const bucket = bucketId(role);
    const on = (action: string, list: readonly string[] | undefined) => {
      for (const prefix of list ?? []) grants.add(`${action} ${bucket}/${prefix}*`);
    };
    on('s3:GetObject', prefixes.read);
    on('s3:GetObject', prefixes.probe);
    on('s3:PutObject', prefixes.write);
    on('s3:AbortMultipartUpload', prefixes.write);
    on('s3:DeleteObject', prefixes.delete);
    if ((prefixes.probe ?? []).length > 0) grants.add(`s3:ListBucket ${bucket}`);
    else if ((prefixes.list ?? []).length > 0) {
      grants.add(`s3:ListBucket ${bucket} ${(prefixes.list ?? []).map((p) => `${p}*`).join(',')}`);
    }
    const reads = [...(prefixes.read ?? []), ...(prefixes.probe ?? [])].length > 0;
    const writes = (prefixes.write ?? []).length > 0;
    if (writes) grants.add(`kms:GenerateDataKey ${keyId(role)}`);
    if (reads || writes) grants.add(`kms:Decrypt ${keyId(role)}`);
  }
  return [...grants].sort();
}

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: { StringLike?: Record<string, string[]> };
};

/** A template resource as `expectedStorageGrants` writes it: `<id>` or `<id>/<suffix>`. */
function resourceName(resource: unknown): string | undefined {
  const arn = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (arn) return arn[0];
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return undefined;
  const [bucket, suffix] = join[1] as [{ 'Fn::GetAtt'?: [string] }, string];
  return bucket['Fn::GetAtt'] ? `${bucket['Fn::GetAtt'][0]}${suffix}` : undefined;
}

/**
 * The S3 and KMS grants `statements` give on the stack's own buckets and keys, in the form of
 * `expectedStorageGrants`. Grants on keys the stack only names by ARN (the secrets' keys) are
 * left out: they are not storage.
 */
export function storageGrantsOf(statements: readonly Statement[]): string[] {
  const grants = new Set<string>();
  for (const statement of statements) {
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    const prefixes = statement.Condition?.StringLike?.['s3:prefix'];
    for (const action of actions.filter((a) => /^(s3|kms):/.test(a))) {
      for (const resource of resources) {
        const name = resourceName(resource);
        if (name === undefined) continue;
        grants.add(`${action} ${name}${prefixes ? ` ${prefixes.join(',')}` : ''}`);
      }
    }
  }
  return [...grants].sort();
}
