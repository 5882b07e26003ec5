import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  failed,
  sendCustomResourceResponse,
  succeeded,
  type CustomResourceEvent,
} from '../../../lambdas/shared/adapters/custom-resource';

const event: CustomResourceEvent = {
  RequestType: 'Create',
  ResponseURL: 'http://127.0.0.1:1/answer?X-Amz-Signature=signature-part',
  StackId: 'arn:aws:cloudformation:eu-west-2:123456789012:stack/Deliverance-dev/1',
  RequestId: 'request-1',
  LogicalResourceId: 'Schema',
  ResourceType: 'Custom::WarehouseSchema',
  ResourceProperties: {},
};

describe('the answer to CloudFormation', () => {
  it('names the request it answers and the resource', () => {
    expect(succeeded(event, 'schema', { Applied: '0001' })).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'schema',
      StackId: event.StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'Schema',
      Data: { Applied: '0001' },
    });
  });

  it('gives a failure one line of reason, cut to fit the answer', () => {
    const reason = failed(event, 'schema', 'Migration failed:\n  permission denied\tto create role')
      .Reason as string;
    expect(reason).toBe('Migration failed: permission denied to create role');
    const long = failed(event, 'schema', `${'x'.repeat(5000)}\nend`).Reason as string;
    expect(long).toHaveLength(1000);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('sending the answer', () => {
  let server: Server;
  let status = 200;
  const received: { method?: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ method: request.method, body });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const at = () =>
    `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer?X-Amz-Signature=signature-part`;

  it('PUTs the answer as JSON to the response URL', async () => {
    status = 200;
    const answer = succeeded(event, 'schema');
    await sendCustomResourceResponse({ ...event, ResponseURL: at() }, answer);
    expect(received.at(-1)).toEqual({ method: 'PUT', body: JSON.stringify(answer) });
  });

  it('throws when the URL refuses it, without the signature of the URL', async () => {
    status = 403;
    const attempt = sendCustomResourceResponse(
      { ...event, ResponseURL: at() },
      succeeded(event, 'schema'),
    );
    await expect(attempt).rejects.toThrow(/answered 403 to the Create answer of Schema/);
    await expect(attempt).rejects.not.toThrow(/signature-part/);
  });
});
