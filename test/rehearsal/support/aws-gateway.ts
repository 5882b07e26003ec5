import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Authorizer } from './authorizer';
import { ACCOUNT, REGION } from './deployment';
import { InvocationDenied, type DestinationRecord, type InvocationRecord } from './lambda-service';
import { decodeAwsChunked, parseS3Request, type S3Request } from './s3-requests';

/** Who holds an access key: the function's role session, as STS would have issued it. */
export interface Caller {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  readonly principal: string;
}

/** An object that S3 has just created, for the notifications of its bucket. */
export interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
  readonly eventName: 'ObjectCreated:Put' | 'ObjectCreated:CompleteMultipartUpload';
  readonly principal: string;
}

export interface GatewayOptions {
  readonly authorizer: Authorizer;
  readonly tls: { cert: string; key: string };
  /** The S3-compatible server that stores the objects (plain HTTP on loopback). */
  readonly s3Upstream: { host: string; port: number; accessKeyId: string };
  /** Bucket name → the ARN of the KMS key it encrypts new objects with (SSE-KMS). */
  readonly bucketKeys: ReadonlyMap<string, string>;
  readonly onObjectCreated: (object: CreatedObject) => void;
  /** Lambda's asynchronous invocation by `principal`, authorised and queued by the Lambda stand-in. */
  readonly invokeAsync: (functionArn: string, event: unknown, principal: string) => Promise<void>;
  /** Lambda's synchronous invocation by `principal`: one attempt, its outcome. */
  readonly invoke: (
    functionArn: string,
    event: unknown,
    principal: string,
  ) => Promise<InvocationRecord>;
  /** The queue a URL names: its ARN and the messages Lambda's failure destination sent it. */
  readonly queue: (url: string) => { arn: string; messages: DestinationRecord[] } | undefined;
  /** The template's alarms, by name. */
  readonly alarms: ReadonlyMap<string, { arn: string }>;
}

/** An alarm's state as CloudWatch last evaluated it; a test sets what the metrics made of it. */
export interface AlarmState {
  value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  updated: Date;
}

/** A subscription of a topic; SNS lists one whose owner has not confirmed it as pending. */
export interface TopicSubscription {
  readonly protocol: string;
  readonly endpoint: string;
  confirmed: boolean;
}

export interface Denial {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly message: string;
}

/** A fault to inject: the next matching requests get this answer instead of the service's. */
export interface InjectedFault {
  readonly service: 's3' | 'ssm' | 'secretsmanager';
  readonly matches: (operation: string, target: string) => boolean;
  remaining: number;
  readonly status: number;
  readonly code: string;
}

interface Parameter {
  value: string;
  version: number;
  modified: Date;
}

/**
 * The AWS endpoints the bundles and the operator's command line reach, over HTTPS: S3 (stored
 * by the S3-compatible server behind it), SSM Parameter Store, Secrets Manager, Lambda's Invoke,
 * and for the operator SQS on the dead-letter queues, CloudWatch's DescribeAlarms and SNS's
 * ListSubscriptionsByTopic (the few operations they call).
 * Every request is authorised as AWS would before it is served, with the caller's own role.
 */
export class AwsGateway {
  readonly denials: Denial[] = [];
  readonly faults: InjectedFault[] = [];
  readonly parameters = new Map<string, Parameter>();
  readonly alarmStates = new Map<string, AlarmState>();
  /** The topics by ARN and their subscriptions, as the template creates them: unconfirmed. */
  readonly topics = new Map<string, TopicSubscription[]>();
  /** Messages a receiver holds, by receipt handle: hidden from other receives until deleted. */
  private readonly received = new Map<string, DestinationRecord>();
  private readonly secrets = new Map<string, { arn: string; value: string }>();
  private readonly callers = new Map<string, Caller>();
  private server?: Server;
  url = '';

  /** The policies in force; a test swaps in those of an edited template. */
  authorizer: Authorizer;

  constructor(private readonly options: GatewayOptions) {
    this.authorizer = options.authorizer;
  }

  /** The visibility timeout of every received message ends: they can be received again. */
  expireVisibility(): void {
    this.received.clear();
  }

  /** The owner of `endpoint` clicks "Confirm subscription" in SNS's e-mail. */
  confirmSubscription(endpoint: string): void {
    const found = [...this.topics.values()].flat().filter((s) => s.endpoint === endpoint);
    if (found.length === 0) throw new Error(`No topic of the stack is subscribed by ${endpoint}`);
    for (const subscription of found) subscription.confirmed = true;
  }

  registerCaller(caller: Caller): void {
    this.callers.set(caller.accessKeyId, caller);
  }

  putSecret(name: string, value: string): string {
    // Secrets Manager appends six random characters to a secret's name in its ARN.
    const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`;
    this.secrets.set(name, { arn, value });
    return arn;
  }

  async start(): Promise<void> {
    const server = createServer(this.options.tls, (req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`rehearsal gateway: ${error.message}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const auth = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(
      req.headers.authorization ?? '',
    );
    const caller = auth ? this.callers.get(auth[1] as string) : undefined;
    const service = auth?.[3] ?? '';
    if (!caller) {
      return reply(
        res,
        403,
        service === 's3' ? 'xml' : 'json',
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    if (req.headers['x-amz-security-token'] !== caller.sessionToken) {
      return reply(
        res,
        403,
        service === 's3' ? 'xml' : 'json',
        'InvalidToken',
        'The provided token is malformed or otherwise invalid.',
      );
    }
    if (service === 's3') return this.s3(req, res, body, caller);
    if (service === 'ssm') return this.ssm(req, res, body, caller);
    if (service === 'secretsmanager') return this.secretsManager(req, res, body, caller);
    if (service === 'lambda') return this.lambda(req, res, body, caller);
    if (service === 'sqs') return this.sqs(req, res, body, caller);
    if (service === 'monitoring') return this.cloudwatch(req, res, body, caller);
    if (service === 'sns') return this.sns(res, body, caller);
    return reply(
      res,
      400,
      'json',
      'UnknownOperationException',
      `The rehearsal does not serve ${service}`,
    );
  }

  private fault(
    service: InjectedFault['service'],
    operation: string,
    target: string,
  ): InjectedFault | undefined {
    const fault = this.faults.find(
      (f) => f.service === service && f.remaining > 0 && f.matches(operation, target),
    );
    if (fault) fault.remaining -= 1;
    return fault;
  }

  /** Authorises one request; a denial is recorded and answered as AWS answers it. */
  private async allowed(
    principal: string,
    action: string,
    resource: string,
    context: Record<string, string>,
  ): Promise<Denial | undefined> {
    const decision = await this.authorizer.authorize({
      principal,
      action,
      resource,
      context: { 'aws:SecureTransport': 'true', 'aws:PrincipalAccount': ACCOUNT, ...context },
    });
    if (decision.allowed) return undefined;
    const denial = { principal, action, resource, message: decision.message };
    this.denials.push(denial);
    return denial;
  }

  private async s3(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    caller: Caller,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://s3');
    const headers = flatHeaders(req);
    let request: S3Request;
    try {
      request = parseS3Request(req.method ?? 'GET', url, headers);
    } catch (error) {
      return reply(res, 501, 'xml', 'NotImplemented', (error as Error).message);
    }
    const fault = this.fault('s3', request.operation, request.key ?? request.bucket);
    if (fault)
      return reply(
        res,
        fault.status,
        'xml',
        fault.code,
        `Injected by the rehearsal for ${request.operation}`,
      );
    const denied = await this.allowed(
      caller.principal,
      request.action,
      request.resource,
      request.context,
    );
    if (denied)
      return reply(res, 403, 'xml', 'AccessDenied', denied.message, req.method === 'HEAD');
    const keyArn = this.options.bucketKeys.get(request.bucket);
    if (keyArn) {
      for (const action of request.kmsActions) {
        // S3 calls KMS as the caller, through the S3 service in this region.
        const kms = await this.allowed(caller.principal, action, keyArn, {
          'kms:ViaService': `s3.${REGION}.amazonaws.com`,
          'kms:CallerAccount': ACCOUNT,
        });
        if (kms) {
          return reply(res, 403, 'xml', 'AccessDenied', kms.message, req.method === 'HEAD');
        }
      }
    }
    let body = raw;
    if (
      (headers['content-encoding'] ?? '').includes('aws-chunked') ||
      (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
    ) {
      body = decodeAwsChunked(raw).data;
    }
    const upstream = await this.forward(req, url, headers, body);
    // A missing key is 404 only to a caller who may list the bucket; to anyone else it is 403.
    if (upstream.status === 404 && request.key) {
      const mayList = await this.authorizer.authorize({
        principal: caller.principal,
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${request.bucket}`,
        context: { 'aws:SecureTransport': 'true' },
      });
      if (!mayList.allowed) {
        return reply(res, 403, 'xml', 'AccessDenied', 'Access Denied', req.method === 'HEAD');
      }
    }
    const responseHeaders = { ...upstream.headers };
    if (keyArn && upstream.status < 300 && request.key) {
      responseHeaders['x-amz-server-side-encryption'] = 'aws:kms';
      responseHeaders['x-amz-server-side-encryption-aws-kms-key-id'] = keyArn;
      responseHeaders['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
    }
    res.writeHead(upstream.status, responseHeaders);
    res.end(upstream.body);
    if (
      upstream.status === 200 &&
      (request.operation === 'PutObject' || request.operation === 'CompleteMultipartUpload')
    ) {
      const eTag = String(
        upstream.headers.etag ?? /<ETag>([^<]*)<\/ETag>/.exec(upstream.body.toString())?.[1] ?? '',
      ).replace(/"|&quot;/g, '');
      this.options.onObjectCreated({
        bucket: request.bucket,
        key: request.key as string,
        size: request.operation === 'PutObject' ? body.length : 0,
        eTag,
        eventName:
          request.operation === 'PutObject'
            ? 'ObjectCreated:Put'
            : 'ObjectCreated:CompleteMultipartUpload',
        principal: caller.principal,
      });
    }
  }

  private forward(
    req: IncomingMessage,
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const { host, port, accessKeyId } = this.options.s3Upstream;
    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (
        [
          'host',
          'content-length',
          'content-encoding',
          'x-amz-decoded-content-length',
          'x-amz-trailer',
          'transfer-encoding',
          'x-amz-security-token',
        ].includes(name)
      )
        continue;
      forwarded[name] = value;
    }
    if (headers['content-encoding'] && headers['content-encoding'] !== 'aws-chunked') {
      forwarded['content-encoding'] = headers['content-encoding'].replace(/,?\s*aws-chunked/, '');
    }
    forwarded['content-length'] = String(body.length);
    forwarded['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    // The store knows one key pair; the signature was the caller's business with "AWS".
    if (forwarded.authorization)
      forwarded.authorization = forwarded.authorization.replace(
        /Credential=[^/]+\//,
        `Credential=${accessKeyId}/`,
      );
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host, port, method: req.method, path: url.pathname + url.search, headers: forwarded },
        (response) => {
          void readBody(response).then(
            (data) =>
              resolve({
                status: response.statusCode ?? 500,
                headers: response.headers as Record<string, string | string[]>,
                body: data,
              }),
            reject,
          );
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  private async ssm(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    caller: Caller,
  ): Promise<void> {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSSM\./, '');
    const input = JSON.parse(body.toString() || '{}') as {
      Name?: string;
      Value?: string;
      Overwrite?: boolean;
      Type?: string;
    };
    const name = input.Name ?? '';
    const arn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;
    const fault = this.fault('ssm', operation, name);
    if (fault)
      return reply(
        res,
        fault.status,
        'json',
        fault.code,
        `Injected by the rehearsal for ${operation}`,
      );
    if (!['GetParameter', 'PutParameter', 'DeleteParameter'].includes(operation)) {
      return reply(
        res,
        400,
        'json',
        'UnknownOperationException',
        `The rehearsal does not serve SSM ${operation}`,
      );
    }
    const denied = await this.allowed(caller.principal, `ssm:${operation}`, arn, {});
    if (denied) return reply(res, 400, 'json', 'AccessDeniedException', denied.message);
    const existing = this.parameters.get(name);
    if (operation === 'DeleteParameter') {
      if (!existing) return reply(res, 400, 'json', 'ParameterNotFound', '');
      this.parameters.delete(name);
      return json(res, {});
    }
    if (operation === 'GetParameter') {
      if (!existing) return reply(res, 400, 'json', 'ParameterNotFound', '');
      return json(res, {
        Parameter: {
          Name: name,
          Type: 'String',
          Value: existing.value,
          Version: existing.version,
          LastModifiedDate: existing.modified.getTime() / 1000,
          ARN: arn,
          DataType: 'text',
        },
      });
    }
    if (existing && !input.Overwrite) {
      return reply(
        res,
        400,
        'json',
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const version = (existing?.version ?? 0) + 1;
    this.parameters.set(name, { value: input.Value ?? '', version, modified: new Date() });
    return json(res, { Version: version, Tier: 'Standard' });
  }

  private async secretsManager(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    caller: Caller,
  ): Promise<void> {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    const input = JSON.parse(body.toString() || '{}') as { SecretId?: string };
    const id = input.SecretId ?? '';
    const fault = this.fault('secretsmanager', operation, id);
    if (fault)
      return reply(
        res,
        fault.status,
        'json',
        fault.code,
        `Injected by the rehearsal for ${operation}`,
      );
    if (operation !== 'GetSecretValue') {
      return reply(
        res,
        400,
        'json',
        'UnknownOperationException',
        `The rehearsal does not serve Secrets Manager ${operation}`,
      );
    }
    const found = [...this.secrets.entries()].find(([name, s]) => name === id || s.arn === id);
    // Secrets Manager authorises against the secret's ARN, and answers a missing secret that
    // the caller may not read with AccessDenied as well.
    const arn = found?.[1].arn ?? `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}`;
    const denied = await this.allowed(caller.principal, 'secretsmanager:GetSecretValue', arn, {});
    if (denied) return reply(res, 400, 'json', 'AccessDeniedException', denied.message);
    if (!found)
      return reply(
        res,
        400,
        'json',
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    const [name, secret] = found;
    return json(res, {
      ARN: secret.arn,
      Name: name,
      SecretString: secret.value,
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Date.now() / 1000,
    });
  }

  /**
   * SQS's JSON protocol, the three operations the operator's commands call on a dead-letter
   * queue. A received message is hidden until it is deleted (the visibility timeout never ends
   * within a test), as SQS hides it from other receivers for the timeout the receiver asked.
   */
  private async sqs(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    caller: Caller,
  ): Promise<void> {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    const input = JSON.parse(body.toString() || '{}') as {
      QueueUrl?: string;
      MaxNumberOfMessages?: number;
      ReceiptHandle?: string;
    };
    if (!['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].includes(operation)) {
      return reply(
        res,
        400,
        'json',
        'UnknownOperationException',
        `The rehearsal does not serve SQS ${operation}`,
      );
    }
    const queue = this.options.queue(input.QueueUrl ?? '');
    if (!queue) {
      return reply(
        res,
        400,
        'json',
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    }
    const denied = await this.allowed(caller.principal, `sqs:${operation}`, queue.arn, {});
    if (denied) return reply(res, 400, 'json', 'AccessDenied', denied.message);
    const hidden = new Set(this.received.values());
    if (operation === 'GetQueueAttributes') {
      const inFlight = queue.messages.filter((m) => hidden.has(m)).length;
      return json(res, {
        Attributes: {
          ApproximateNumberOfMessages: String(queue.messages.length - inFlight),
          ApproximateNumberOfMessagesNotVisible: String(inFlight),
        },
      });
    }
    if (operation === 'DeleteMessage') {
      const message = this.received.get(input.ReceiptHandle ?? '');
      if (!message)
        return reply(
          res,
          400,
          'json',
          'ReceiptHandleIsInvalid',
          'The input receipt handle is invalid.',
        );
      this.received.delete(input.ReceiptHandle ?? '');
      const index = queue.messages.indexOf(message);
      if (index >= 0) queue.messages.splice(index, 1);
      return json(res, {});
    }
    const visible = queue.messages
      .filter((m) => !hidden.has(m))
      .slice(0, input.MaxNumberOfMessages ?? 1);
    const messages = visible.map((message) => {
      const handle = randomUUID();
      this.received.set(handle, message);
      const text = JSON.stringify(message);
      return {
        MessageId: message.requestContext.requestId,
        ReceiptHandle: handle,
        MD5OfBody: createHash('md5').update(text).digest('hex'),
        Body: text,
      };
    });
    return json(res, messages.length > 0 ? { Messages: messages } : {});
  }

  /** CloudWatch's DescribeAlarms by name (JSON protocol), authorised on each alarm's ARN. */
  private async cloudwatch(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    caller: Caller,
  ): Promise<void> {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(
      /^GraniteServiceVersion20100801\./,
      '',
    );
    if (operation !== 'DescribeAlarms') {
      return reply(
        res,
        400,
        'json',
        'UnknownOperationException',
        `The rehearsal does not serve CloudWatch ${operation}`,
      );
    }
    const input = JSON.parse(body.toString() || '{}') as { AlarmNames?: string[] };
    const found = (input.AlarmNames ?? []).flatMap((name) => {
      const alarm = this.options.alarms.get(name);
      return alarm ? [{ name, arn: alarm.arn }] : [];
    });
    for (const alarm of found) {
      const denied = await this.allowed(
        caller.principal,
        'cloudwatch:DescribeAlarms',
        alarm.arn,
        {},
      );
      if (denied) return reply(res, 400, 'json', 'AccessDenied', denied.message);
    }
    return json(res, {
      MetricAlarms: found.map(({ name, arn }) => {
        const state = this.alarmStates.get(name);
        return {
          AlarmName: name,
          AlarmArn: arn,
          StateValue: state?.value ?? 'INSUFFICIENT_DATA',
          StateReason: state?.reason ?? 'Unchecked: Initial alarm creation',
          StateUpdatedTimestamp: (state?.updated ?? new Date()).getTime() / 1000,
        };
      }),
    });
  }

  /**
   * SNS's ListSubscriptionsByTopic in its query protocol (a form in, XML out), authorised on the
   * topic's ARN; the template's subscriptions fit on one page.
   */
  private async sns(res: ServerResponse, body: Buffer, caller: Caller): Promise<void> {
    const input = new URLSearchParams(body.toString());
    const operation = input.get('Action') ?? '';
    if (operation !== 'ListSubscriptionsByTopic') {
      return queryError(res, 400, 'InvalidAction', `The rehearsal does not serve SNS ${operation}`);
    }
    const topicArn = input.get('TopicArn') ?? '';
    const denied = await this.allowed(caller.principal, `sns:${operation}`, topicArn, {});
    if (denied) return queryError(res, 403, 'AuthorizationError', denied.message);
    const subscriptions = this.topics.get(topicArn);
    if (!subscriptions) return queryError(res, 404, 'NotFound', 'Topic does not exist');
    const members = subscriptions.map(
      (s, i) =>
        `<member><TopicArn>${escapeXml(topicArn)}</TopicArn><Protocol>${escapeXml(s.protocol)}</Protocol>` +
        `<SubscriptionArn>${s.confirmed ? `${escapeXml(topicArn)}:${i}` : 'PendingConfirmation'}</SubscriptionArn>` +
        `<Owner>${ACCOUNT}</Owner><Endpoint>${escapeXml(s.endpoint)}</Endpoint></member>`,
    );
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    res.end(
      `<ListSubscriptionsByTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
        `<ListSubscriptionsByTopicResult><Subscriptions>${members.join('')}</Subscriptions></ListSubscriptionsByTopicResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>`,
    );
  }

  /** Invoke: asynchronous (a function continuing its own work), or synchronous (an operator). */
  private async lambda(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    caller: Caller,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://lambda');
    const name = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname)?.[1];
    const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (
      req.method !== 'POST' ||
      !name ||
      url.search ||
      (type !== 'Event' && type !== 'RequestResponse')
    ) {
      return reply(
        res,
        400,
        'json',
        'UnknownOperationException',
        `The rehearsal serves only Lambda's unqualified Invoke, not ${req.method} ${url.pathname}${url.search} (${type})`,
      );
    }
    const id = decodeURIComponent(name);
    const arn = id.startsWith('arn:') ? id : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    const event = JSON.parse(body.toString() || '{}') as unknown;
    try {
      if (type === 'RequestResponse') {
        const record = await this.options.invoke(arn, event, caller.principal);
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-amzn-requestid': record.requestId,
          'x-amz-executed-version': '$LATEST',
          ...(record.ok ? {} : { 'x-amz-function-error': 'Unhandled' }),
        });
        res.end(JSON.stringify(record.ok ? (record.result ?? null) : record.error));
        return;
      }
      await this.options.invokeAsync(arn, event, caller.principal);
    } catch (error) {
      if (!(error instanceof InvocationDenied)) throw error;
      this.denials.push({
        principal: caller.principal,
        action: 'lambda:InvokeFunction',
        resource: arn,
        message: error.reason,
      });
      return reply(res, 403, 'json', 'AccessDeniedException', error.reason);
    }
    res.writeHead(202, { 'x-amzn-requestid': randomUUID() });
    res.end();
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify(body));
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An error answer in the query protocol of SNS. */
function queryError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

/** An error answer in the service's protocol: S3's XML, or the JSON of SSM and Secrets Manager. */
function reply(
  res: ServerResponse,
  status: number,
  protocol: 'xml' | 'json',
  code: string,
  message: string,
  headOnly = false,
): void {
  const requestId = randomUUID();
  if (protocol === 'xml') {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    res.end(
      headOnly
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
    );
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': code,
  });
  res.end(JSON.stringify({ __type: code, message, Message: message }));
}
