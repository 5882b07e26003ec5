import { request } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import type { SelfInvoker } from '../ports/self-invoker';

const TIMEOUT_MS = 10_000;

/** An Invoke that Lambda did not accept, with its error code and words. */
export class SelfInvokeError extends Error {
  constructor(functionName: string, status: number, code: string, message: string) {
    super(`Lambda Invoke ${functionName} failed (HTTP ${status}): ${code}: ${message}`);
    this.name = 'SelfInvokeError';
  }
}

/**
 * Queues an asynchronous invocation (`InvocationType: Event`) of the named function through
 * Lambda's Invoke REST API, SigV4-signed with the SDK's own signer, hash and credential chain
 * (@aws-sdk/client-lambda is not a dependency). The endpoint is found as the SDK clients find
 * theirs: `AWS_ENDPOINT_URL_LAMBDA`, else `AWS_ENDPOINT_URL`, else the region's.
 *
 * @example
 * await new LambdaSelfInvoker(context.functionName).invokeAsync({ tables: ['payment'] });
 * @throws SelfInvokeError when Lambda answers anything but 202 Accepted
 */
export class LambdaSelfInvoker implements SelfInvoker {
  private readonly region = process.env.AWS_REGION ?? 'eu-west-2';
  private readonly signer = new SignatureV4({
    service: 'lambda',
    region: this.region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });

  constructor(private readonly functionName: string) {}

  async invokeAsync(event: unknown): Promise<void> {
    const endpoint = new URL(
      process.env.AWS_ENDPOINT_URL_LAMBDA ??
        process.env.AWS_ENDPOINT_URL ??
        `https://lambda.${this.region}.amazonaws.com`,
    );
    const body = JSON.stringify(event);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: `/2015-03-31/functions/${encodeURIComponent(this.functionName)}/invocations`,
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-invocation-type': 'Event',
      },
      body,
    });
    const answer = await send(signed);
    if (answer.status === 202) return;
    const error = parseError(answer.body);
    throw new SelfInvokeError(
      this.functionName,
      answer.status,
      (answer.errorType ?? error.code ?? 'UnknownError').split(':')[0] as string,
      error.message ?? answer.body,
    );
  }
}

interface Answer {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly body: string;
}

function send(signed: HttpRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: signed.method,
        hostname: signed.hostname,
        port: signed.port,
        path: signed.path,
        headers: signed.headers,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            errorType: res.headers['x-amzn-errortype'] as string | undefined,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`No answer from Lambda in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(signed.body as string);
  });
}

/** Lambda's JSON error body: `{"Type": "User", "message": "…"}`, some with `Message`. */
function parseError(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as { __type?: string; message?: string; Message?: string };
    return { code: parsed.__type, message: parsed.message ?? parsed.Message };
  } catch {
    return {};
  }
}
