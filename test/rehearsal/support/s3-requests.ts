/** An S3 REST request as IAM sees it: the operation, the action it needs and on what. */
export interface S3Request {
  readonly operation: string;
  readonly bucket: string;
  readonly key?: string;
  /** The IAM action S3 authorises the operation with. */
  readonly action: string;
  /** Bucket ARN for bucket operations, object ARN for object operations. */
  readonly resource: string;
  readonly context: Record<string, string>;
  /** What S3 asks KMS for on the caller's behalf when the bucket encrypts with SSE-KMS. */
  readonly kmsActions: readonly string[];
}

/**
 * Reads a path-style request (`/<bucket>/<key>?…`). The operations are those the stages use;
 * anything else is refused loudly, so a new call cannot pass the rehearsal unexamined.
 */
export function parseS3Request(
  method: string,
  url: URL,
  headers: Record<string, string>,
): S3Request {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = rest.length > 0 ? rest.map(decodeURIComponent).join('/') : undefined;
  const q = url.searchParams;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const object = (operation: string, action: string, kmsActions: string[] = []): S3Request => {
    if (!key) throw new Error(`${operation} without an object key`);
    return {
      operation,
      bucket,
      key,
      action,
      resource: `${bucketArn}/${key}`,
      context: {},
      kmsActions,
    };
  };
  if (!key) {
    if (method === 'GET' && (q.get('list-type') === '2' || q.size === 0 || q.has('prefix'))) {
      const context: Record<string, string> = {};
      context['s3:prefix'] = q.get('prefix') ?? '';
      if (q.has('delimiter')) context['s3:delimiter'] = q.get('delimiter') ?? '';
      if (q.has('max-keys')) context['s3:max-keys'] = q.get('max-keys') ?? '';
      return {
        operation: 'ListObjectsV2',
        bucket,
        action: 's3:ListBucket',
        resource: bucketArn,
        context,
        kmsActions: [],
      };
    }
    throw new Error(
      `The rehearsal does not serve the bucket request ${method} ${url.pathname}${url.search}`,
    );
  }
  // What S3's API reference says each operation asks of KMS for the caller on an SSE-KMS
  // bucket: a data key for a new object, a decrypt to read one, to upload a part, and to
  // complete an upload whose parts carry checksums (the SDK sends them by default).
  if (method === 'GET') return object('GetObject', 's3:GetObject', ['kms:Decrypt']);
  if (method === 'HEAD') return object('HeadObject', 's3:GetObject');
  if (method === 'DELETE' && q.has('uploadId'))
    return object('AbortMultipartUpload', 's3:AbortMultipartUpload');
  if (method === 'DELETE') return object('DeleteObject', 's3:DeleteObject');
  if (method === 'POST' && q.has('uploads'))
    return object('CreateMultipartUpload', 's3:PutObject', ['kms:GenerateDataKey']);
  if (method === 'POST' && q.has('uploadId'))
    return object('CompleteMultipartUpload', 's3:PutObject', ['kms:Decrypt']);
  if (method === 'PUT' && q.has('partNumber'))
    return object('UploadPart', 's3:PutObject', ['kms:Decrypt']);
  if (method === 'PUT' && headers['x-amz-copy-source'])
    throw new Error('The rehearsal does not serve CopyObject: no stage uses it');
  if (method === 'PUT') return object('PutObject', 's3:PutObject', ['kms:GenerateDataKey']);
  throw new Error(
    `The rehearsal does not serve the object request ${method} ${url.pathname}${url.search}`,
  );
}

/**
 * The body of an `aws-chunked` upload (the SDK's streaming checksums), without its framing;
 * S3 verifies the trailing checksum, which is what the real service would refuse on.
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) throw new Error('aws-chunked body ends inside a chunk header');
    const size = parseInt(
      body.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '',
      16,
    );
    if (!Number.isFinite(size)) throw new Error('aws-chunked body has a bad chunk size');
    offset = lineEnd + 2;
    if (size === 0) break;
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

/** S3's event-notification form of a key: URL-encoded, a space as '+', slashes kept. */
export function eventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}
