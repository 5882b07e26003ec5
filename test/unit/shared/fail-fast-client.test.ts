import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { readSecret } from '../../../lambdas/shared/adapters/secrets-manager';
import { NETWORK_TIMEOUTS } from '../../../lambdas/shared/adapters/fail-fast-client';
import { LambdaSelfInvoker } from '../../../lambdas/shared/adapters/lambda-self-invoker';
import { createS3Client, S3ObjectStore } from '../../../lambdas/shared/adapters/s3-object-store';
import { SsmWatermarkStore } from '../../../lambdas/shared/adapters/ssm-watermark-store';

// A real socket that connects and then stays silent: what a blackholed route past the first
// hop, or a stuck proxy, looks like to a client. Nothing in the SDK is mocked.
let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // One attempt: the production clients keep the SDK's three, each bounded the same way.
    AWS_MAX_ATTEMPTS: '1',
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_ENDPOINT_URL_LAMBDA: endpoint,
  });
});

afterAll(async () => {
  process.env = saved;
  for (const socket of sockets) socket.destroy();
  server.close();
  await once(server, 'close');
});

/** The error `call` ends with, and how long it took. */
async function failureOf(call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = (await call().then(
    () => new Error('the call succeeded against a server that never answers'),
    (e: unknown) => e,
  )) as Error;
  return { error, ms: Date.now() - started };
}

/**
 * Gave up once the socket idled for the timeout, and within seconds: even with the SDK's three
 * attempts a run ends well inside the smallest size class's 2 minutes, not at Lambda's timeout.
 */
function expectGaveUpWithinTheTimeout(ms: number): void {
  expect(ms).toBeGreaterThanOrEqual(NETWORK_TIMEOUTS.socketTimeout - 500);
  expect(ms).toBeLessThan(Math.min(NETWORK_TIMEOUTS.socketTimeout + 5_000, 20_000));
}

describe('an AWS service that accepts the connection and never answers', () => {
  it.concurrent(
    'S3: the object store gives up within the idle timeout, naming S3, the object and the endpoint or NAT to check',
    async () => {
      const store = new S3ObjectStore(
        createS3Client({ url: endpoint, credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
        'landing-bucket',
      );
      const { error, ms } = await failureOf(() => store.get('manifests/batch-1.json'));
      expectGaveUpWithinTheTimeout(ms);
      expect(error.message).not.toContain('\n');
      expect(error.message).toMatch(/landing-bucket\/manifests\/batch-1\.json/);
      expect(error.message).toMatch(
        /S3 \(127\.0\.0\.1\) did not answer: .*Check that this network reaches S3: in a VPC, a VPC endpoint for it \(deliverance:vpcEndpoints\) or a NAT gateway/,
      );
    },
  );

  it.concurrent(
    'SSM: the watermark store gives up within the idle timeout, naming SSM, the parameter and the endpoint or NAT to check',
    async () => {
      const store = new SsmWatermarkStore('/deliverance/test');
      const { error, ms } = await failureOf(() => store.read('payment'));
      expectGaveUpWithinTheTimeout(ms);
      expect(error.message).not.toContain('\n');
      expect(error.message).toMatch(
        /^Could not read the watermark of payment from SSM parameter \/deliverance\/test\/watermarks\/payment: SSM \(127\.0\.0\.1\) did not answer: .*VPC endpoint for it \(deliverance:vpcEndpoints\) or a NAT gateway/,
      );
    },
  );

  it.concurrent(
    'Secrets Manager and Lambda give up within the idle timeout, each naming its service',
    async () => {
      const [secret, invoke] = await Promise.all([
        failureOf(() => readSecret('deliverance/totesys')),
        failureOf(() => new LambdaSelfInvoker('deliverance-dev-ingest').invokeAsync({})),
      ]);
      expectGaveUpWithinTheTimeout(secret.ms);
      expectGaveUpWithinTheTimeout(invoke.ms);
      expect(secret.error.message).toMatch(
        /Secrets Manager \(127\.0\.0\.1\) did not answer: .*NAT/,
      );
      expect(invoke.error.message).toMatch(/^Lambda \(127\.0\.0\.1\) did not answer: .*NAT/);
    },
  );
});
