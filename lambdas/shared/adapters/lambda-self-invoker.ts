import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SelfInvoker } from '../ports/self-invoker';
import { failFastClient } from './fail-fast-client';

/**
 * Queues an asynchronous invocation (`InvocationType: Event`) of the named function: Lambda
 * answers once the event is queued, without waiting for the run it starts. The client finds its
 * endpoint as every SDK client does (`AWS_ENDPOINT_URL_LAMBDA`, else the region's).
 *
 * @example
 * await new LambdaSelfInvoker(context.functionName).invokeAsync({ tables: ['payment'] });
 * @throws the SDK's error (`AccessDeniedException`, `TooManyRequestsException`, …) when Lambda
 * does not queue the event
 */
export class LambdaSelfInvoker implements SelfInvoker {
  constructor(
    private readonly functionName: string,
    private readonly client = failFastClient(
      'Lambda',
      (timeouts) =>
        new LambdaClient({ region: process.env.AWS_REGION ?? 'eu-west-2', ...timeouts }),
    ),
  ) {}

  async invokeAsync(event: unknown): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
  }
}
