import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../../lambdas/shared/adapters/s3-object-store';

const s3 = mockClient(S3Client);
const store = () => new S3ObjectStore(new S3Client({ region: 'eu-west-2' }), 'landing-bucket');

function sdkError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

beforeEach(() => s3.reset());

describe('S3 object store errors', () => {
  it('say which operation, bucket and key failed, keeping the SDK error as the cause', async () => {
    const throttled = sdkError('SlowDown', 'Please reduce your request rate.');
    s3.on(GetObjectCommand).rejects(throttled);
    const failure: Error = await store()
      .get('sales_order/b.jsonl')
      .then(() => new Error('expected a failure'))
      .catch((e: unknown) => e as Error);
    expect(failure.message).toBe(
      'S3 GetObject s3://landing-bucket/sales_order/b.jsonl failed: SlowDown: Please reduce your request rate.',
    );
    expect(failure.cause).toBe(throttled);

    s3.on(PutObjectCommand).rejects(sdkError('AccessDenied', 'Access Denied'));
    await expect(store().put('manifests/x.json', '{}')).rejects.toThrow(
      'S3 PutObject s3://landing-bucket/manifests/x.json failed: AccessDenied: Access Denied',
    );
  });

  it('tell a missing object apart from a failure', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    expect(await store().getIfExists('state/staff.jsonl')).toBeUndefined();
  });
});
