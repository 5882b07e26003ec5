import type { BuildMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { PipelineError } from '../core/pipeline-error';

/**
 * How long an AWS request may wait on the network. A function in a VPC whose subnets have no
 * route to a service (no endpoint, no NAT) sends packets nowhere: without these, the SDK waits
 * until Lambda's timeout ends the run, and the retry and the alarm say nothing about why.
 * - `connectionTimeout`: in-region TCP connects take milliseconds; 3 s is already a lost route.
 * - `socketTimeout`: a socket silent this long is stalled. It is an idle timeout, not a total:
 *   a large upload or a streamed download that keeps moving is never cut, and the calls the
 *   stages make (S3, SSM, Secrets Manager, an asynchronous invoke) answer in well under a second.
 * The SDK's retries (three attempts) still apply, so a dead route fails in seconds, not minutes.
 */
export const NETWORK_TIMEOUTS = { connectionTimeout: 3_000, socketTimeout: 10_000 } as const;

export interface NetworkTimeouts {
  readonly connectionTimeout: number;
  readonly socketTimeout: number;
}

/** The part of an SDK v3 client's configuration that sets its timeouts. */
export interface TimeoutsConfig {
  readonly requestHandler: NetworkTimeouts;
}

/** Any SDK v3 client: the middleware stack is all this module touches. */
interface SdkClient {
  // The stack's input and output types differ per client; only the error path is used here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly middlewareStack: MiddlewareStack<any, any>;
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * A request that never got an answer from the service: the network, not the service, failed
 * (the SDK's own `TimeoutError`, or a socket error). An error the service sent back has an HTTP
 * status and is not one of these.
 */
export function isNetworkFailure(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode !== undefined) return false;
  return e?.name === 'TimeoutError' || (e?.code !== undefined && NETWORK_ERROR_CODES.has(e.code));
}

/**
 * An AWS service this run could not reach; transient (a route fixed, or a NAT back, and the
 * retry works), and its message says what to check.
 */
export class ServiceUnreachableError extends PipelineError {
  readonly kind = 'transient';

  constructor(
    readonly service: string,
    host: string | undefined,
    cause: unknown,
  ) {
    const reason = ((cause as { message?: string }).message ?? String(cause))
      .replace(/\s+/g, ' ')
      .replace(/\.+$/, '');
    super(
      `${service}${host ? ` (${host})` : ''} did not answer: ${reason}. ` +
        `Check that this network reaches ${service}: in a VPC, a VPC endpoint for it ` +
        `(deliverance:vpcEndpoints) or a NAT gateway on the functions' subnets`,
      { cause },
    );
    this.name = 'ServiceUnreachableError';
  }
}

/**
 * Builds an SDK v3 client that gives up on a silent network within seconds and says which
 * service it could not reach. `create` receives the timeouts to spread into the client's
 * configuration; the returned client turns a network failure that outlasted the SDK's retries
 * into a {@link ServiceUnreachableError}.
 *
 * @example
 * const ssm = failFastClient('SSM', (timeouts) => new SSMClient({ ...timeouts }));
 */
export function failFastClient<C extends SdkClient>(
  service: string,
  create: (timeouts: TimeoutsConfig) => C,
  timeouts: NetworkTimeouts = NETWORK_TIMEOUTS,
): C {
  const client = create({ requestHandler: { ...timeouts } });
  // The build step wraps the retry middleware (finalizeRequest), so only the last attempt's
  // failure is renamed, and the request already carries the endpoint's host.
  const nameService: BuildMiddleware<object, MetadataBearer> = (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (!isNetworkFailure(error)) throw error;
      const request = args.request as { hostname?: string } | undefined;
      throw new ServiceUnreachableError(service, request?.hostname, error);
    }
  };
  client.middlewareStack.add(nameService, { step: 'build', name: 'deliveranceFailFast' });
  return client;
}
