import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { DeployedStack } from './deployed-stack';

/**
 * The S3 event notification (version 2.1) a stage's function gets when `key` is created in
 * `bucket`: what a replay sends, so the function runs as its own trigger would run it.
 *
 * @throws Error in one line when the object does not exist or cannot be read.
 */
export async function objectCreatedEvent(
  stack: DeployedStack,
  bucket: string,
  key: string,
): Promise<{ Records: Record<string, unknown>[] }> {
  let head;
  try {
    head = await stack.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    const e = error as { name?: string; message?: string };
    const missing = e.name === 'NotFound' || e.name === 'NoSuchKey';
    throw new Error(
      missing
        ? `There is no s3://${bucket}/${key}: check the batch id (deliverance status --env ${stack.environment} lists recent batches)`
        : `Could not read s3://${bucket}/${key}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
      { cause: error },
    );
  }
  const region = await stack.clients.s3.config.region();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'deliverance-replay' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'deliverance-replay',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: {
            // S3 URL-encodes the key in its events, spaces as '+'.
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: head.ContentLength ?? 0,
            eTag: (head.ETag ?? '').replace(/"/g, ''),
          },
        },
      },
    ],
  };
}
