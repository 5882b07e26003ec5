import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authorizer } from './authorizer';
import type { AwsGateway, Caller } from './aws-gateway';
import { ACCOUNT, REGION, type Deployment } from './deployment';

/** One function of the template, as Lambda would run it. */
export interface RehearsedFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memoryMb: number;
  /** The size of its /tmp (`EphemeralStorage`), 512 MB unless the template says more. */
  readonly ephemeralStorageMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number;
  readonly logGroupName: string;
  /** The template's variables, every reference resolved. */
  readonly environment: Readonly<Record<string, string>>;
  readonly taskRoot: string;
  readonly retryAttempts: number;
  readonly onFailure?: string;
  readonly caller: Caller;
}

export interface InvocationRecord {
  readonly function: string;
  readonly requestId: string;
  readonly attempt: number;
  readonly event: unknown;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { errorType: string; errorMessage: string; trace?: string[] };
  readonly stdout: string[];
  readonly stderr: string[];
  readonly durationMs: number;
  readonly maxRssMb: number;
  /** The most the sandbox's /tmp held while this invocation ran (sampled, see `TMP_SAMPLE_MS`). */
  readonly tmpPeakMb: number;
  /** The process of the sandbox that ran it, and whether that sandbox started for it. */
  readonly pid: number;
  readonly coldStart: boolean;
}

/** What Lambda sends to a failure destination once an event's retries are spent. */
export interface DestinationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: { statusCode: number; executedVersion: string; functionError: string };
  readonly responsePayload: unknown;
}

export interface LambdaServiceOptions {
  readonly deployment: Deployment;
  readonly authorizer: Authorizer;
  readonly gateway: AwsGateway;
  /** The Node.js binary that stands in for the template's runtime. */
  readonly node: string;
  /** Asset folder of each function, by logical id. */
  readonly taskRoots: ReadonlyMap<string, string>;
  /** What the rehearsal adds to a function's environment: endpoints and their CA. */
  readonly additions: Readonly<Record<string, string>>;
  /** Where each sandbox gets its own folder to stand in for Lambda's /tmp. */
  readonly tmpRoot: string;
}

/**
 * One execution environment: a Node.js process on the function's bundle, its log stream and
 * its /tmp, kept warm between invocations until the rehearsal retires it.
 */
interface Sandbox {
  readonly child: ChildProcess;
  readonly logStream: string;
  readonly tmpDir: string;
  invocations: number;
  /** Where the current invocation's output lines go, and what its end marker calls. */
  sink: { stdout: string[]; stderr: string[]; ended: () => void };
}

interface Queued {
  readonly fn: RehearsedFunction;
  readonly event: unknown;
  readonly requestId: string;
}

const BOOTSTRAP = join(__dirname, 'lambda-bootstrap.cjs');
/** How often a running invocation's /tmp is measured: a file that lives less may slip by. */
const TMP_SAMPLE_MS = 100;

/** Lambda's refusal of an invocation that no policy allows; `reason` is AWS's sentence. */
export class InvocationDenied extends Error {
  constructor(readonly reason: string) {
    super(`AccessDeniedException: ${reason}`);
    this.name = 'InvocationDenied';
  }
}

/**
 * Lambda's asynchronous invocation as the template configures it: the caller authorised by the
 * function's resource policy or its own role, one queue per function drained at most
 * `ReservedConcurrentExecutions` at a time, each failure retried `MaximumRetryAttempts` times
 * (without the minutes of back-off), then sent to the `OnFailure` destination with the
 * function's own role. An attempt runs in a warm sandbox of the function when one is free, as
 * Lambda does, else in a new Node.js process on the function's bundle; a timeout, a crash or a
 * limit overrun retires the sandbox. Memory and /tmp are held to the template's sizes.
 */
export class LambdaService {
  readonly functions = new Map<string, RehearsedFunction>();
  readonly invocations: InvocationRecord[] = [];
  /** Messages sent to each queue, by queue ARN. */
  readonly queues = new Map<string, DestinationRecord[]>();
  /** Called after each failed attempt, before the retry: where a test heals an outage. */
  onAttemptFailed: (record: InvocationRecord) => void | Promise<void> = () => undefined;
  readonly problems: string[] = [];
  private readonly pending = new Map<string, Queued[]>();
  private readonly running = new Map<string, number>();
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  /** Sandboxes free for an invocation, by function logical id. */
  private readonly warm = new Map<string, Sandbox[]>();
  private sandboxes = 0;

  /** The policies in force; a test swaps in those of an edited template. */
  authorizer: Authorizer;
  /** Called before each attempt: where a test changes the world under a run. */
  onBeforeAttempt: (fn: RehearsedFunction, event: unknown) => void | Promise<void> = () =>
    undefined;

  constructor(private readonly options: LambdaServiceOptions) {
    this.authorizer = options.authorizer;
    const d = options.deployment;
    const invokeConfigs = new Map(
      d
        .resourcesOf('AWS::Lambda::EventInvokeConfig')
        .map(([, r]) => [d.resolveString(r.Properties?.FunctionName), r.Properties ?? {}]),
    );
    for (const [id, fnResource] of d.resourcesOf('AWS::Lambda::Function')) {
      const taskRoot = options.taskRoots.get(id);
      if (!taskRoot) continue; // CDK's own custom-resource handlers are not the pipeline's
      const props = fnResource.Properties ?? {};
      const name = d.ref(id);
      const roleArn = d.resolveString(props.Role);
      const config = invokeConfigs.get(name) ?? {};
      const destination = (config.DestinationConfig as { OnFailure?: { Destination: unknown } })
        ?.OnFailure?.Destination;
      const variables =
        (props.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {};
      const logGroup = (props.LoggingConfig as { LogGroup?: unknown })?.LogGroup;
      const caller: Caller = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(20).toString('base64'),
        sessionToken: randomBytes(32).toString('base64'),
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop()}/${name}`,
      };
      options.gateway.registerCaller(caller);
      this.functions.set(id, {
        logicalId: id,
        name,
        arn: d.attribute(id, 'Arn'),
        roleArn,
        handler: String(props.Handler),
        runtime: String(props.Runtime),
        memoryMb: Number(props.MemorySize ?? 128),
        ephemeralStorageMb: Number(
          (props.EphemeralStorage as { Size?: unknown } | undefined)?.Size ?? 512,
        ),
        timeoutSeconds: Number(props.Timeout ?? 3),
        reservedConcurrency: Number(props.ReservedConcurrentExecutions ?? 1000),
        logGroupName: logGroup ? d.resolveString(logGroup) : `/aws/lambda/${name}`,
        environment: Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [k, d.resolveString(v)]),
        ),
        taskRoot,
        retryAttempts: Number(config.MaximumRetryAttempts ?? 2),
        ...(destination ? { onFailure: d.resolveString(destination) } : {}),
        caller,
      });
    }
  }

  functionByArn(arn: string): RehearsedFunction | undefined {
    const unqualified = arn.replace(/:(\$LATEST|\d+)$/, '');
    return [...this.functions.values()].find((f) => f.arn === unqualified);
  }

  /**
   * An asynchronous invocation (`InvocationType: Event`) by `principal`: refused as AWS would if
   * no policy allows it, else queued.
   *
   * @throws InvocationDenied when no policy allows it
   */
  async invokeAsync(
    functionArn: string,
    event: unknown,
    principal: string,
    context: Record<string, string> = {},
  ): Promise<void> {
    const fn = await this.authorisedFunction(functionArn, principal, context);
    this.enqueue({ fn, event, requestId: randomUUID() });
  }

  /**
   * A synchronous invocation (`RequestResponse`) by `principal`: one attempt, no retry and no
   * failure destination, as Lambda runs it; what the operator's replay and redrive call.
   *
   * @throws InvocationDenied when no policy allows it
   */
  async invoke(functionArn: string, event: unknown, principal: string): Promise<InvocationRecord> {
    const fn = await this.authorisedFunction(functionArn, principal);
    this.inFlight += 1;
    try {
      return await this.run(fn, event, randomUUID(), 1);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.waiters.splice(0)) resolve();
    }
  }

  /**
   * The function `principal` may invoke, or a refusal recorded as a problem: in a deployed
   * pipeline either kind of refused invocation is a grant missing from the template.
   */
  private async authorisedFunction(
    functionArn: string,
    principal: string,
    context: Record<string, string> = {},
  ): Promise<RehearsedFunction> {
    const fn = this.functionByArn(functionArn);
    if (!fn) throw new Error(`No function ${functionArn} in the template`);
    const decision = await this.authorizer.authorize({
      principal,
      action: 'lambda:InvokeFunction',
      resource: fn.arn,
      context: { 'aws:SecureTransport': 'true', ...context },
    });
    if (!decision.allowed) {
      this.problems.push(decision.message);
      throw new InvocationDenied(decision.message);
    }
    return fn;
  }

  /**
   * An invocation by an administrator (a replay from a dead-letter queue): their permissions
   * are their account's, not the stack's, so only the function's side is rehearsed.
   */
  redeliver(functionArn: string, event: unknown): void {
    const fn = this.functionByArn(functionArn);
    if (!fn) throw new Error(`No function ${functionArn} in the template`);
    this.enqueue({ fn, event, requestId: randomUUID() });
  }

  /** Resolves when no event is queued or running, including those the runs caused. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private enqueue(item: Queued): void {
    this.inFlight += 1;
    const queue = this.pending.get(item.fn.logicalId) ?? [];
    queue.push(item);
    this.pending.set(item.fn.logicalId, queue);
    this.pump(item.fn);
  }

  private pump(fn: RehearsedFunction): void {
    const queue = this.pending.get(fn.logicalId) ?? [];
    while ((this.running.get(fn.logicalId) ?? 0) < fn.reservedConcurrency && queue.length > 0) {
      const item = queue.shift() as Queued;
      this.running.set(fn.logicalId, (this.running.get(fn.logicalId) ?? 0) + 1);
      void this.deliver(item)
        .catch((error: Error) => this.problems.push(`${fn.name}: ${error.message}`))
        .finally(() => {
          this.running.set(fn.logicalId, (this.running.get(fn.logicalId) ?? 1) - 1);
          this.inFlight -= 1;
          this.pump(fn);
          if (this.inFlight === 0) for (const resolve of this.waiters.splice(0)) resolve();
        });
    }
  }

  private async deliver(item: Queued): Promise<void> {
    const { fn } = item;
    let last: InvocationRecord | undefined;
    for (let attempt = 1; attempt <= 1 + fn.retryAttempts; attempt += 1) {
      await this.onBeforeAttempt(fn, item.event);
      last = await this.run(fn, item.event, item.requestId, attempt);
      if (last.ok) return;
      if (attempt <= fn.retryAttempts) await this.onAttemptFailed(last);
    }
    if (fn.onFailure && last) await this.sendToDestination(fn, item, last);
  }

  private async sendToDestination(
    fn: RehearsedFunction,
    item: Queued,
    last: InvocationRecord,
  ): Promise<void> {
    const queueArn = fn.onFailure as string;
    const decision = await this.authorizer.authorize({
      principal: fn.caller.principal,
      action: 'sqs:SendMessage',
      resource: queueArn,
      context: { 'aws:SecureTransport': 'true' },
    });
    if (!decision.allowed) {
      // Lambda drops the record and counts a DestinationDeliveryFailure.
      this.problems.push(`${fn.name} could not reach its failure destination: ${decision.message}`);
      return;
    }
    const record: DestinationRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: item.requestId,
        functionArn: `${fn.arn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: last.attempt,
      },
      requestPayload: item.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: last.error,
    };
    const messages = this.queues.get(queueArn) ?? [];
    messages.push(record);
    this.queues.set(queueArn, messages);
  }

  /** The variables a function's process gets: Lambda's own, the template's, the additions. */
  environmentOf(fn: RehearsedFunction, logStream: string): Record<string, string> {
    return {
      // What the Lambda runtime itself defines (docs: "Defined runtime environment variables").
      _HANDLER: fn.handler,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_ACCESS_KEY_ID: fn.caller.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fn.caller.secretAccessKey,
      AWS_SESSION_TOKEN: fn.caller.sessionToken,
      LAMBDA_TASK_ROOT: fn.taskRoot,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      // The runtime's own modules only: nothing of the project's node_modules is reachable.
      NODE_PATH: '',
      ...fn.environment,
      ...this.options.additions,
    };
  }

  /** The /tmp folders of the function's warm sandboxes, by process id. */
  warmTmpDirs(logicalId: string): Map<number, string> {
    return new Map((this.warm.get(logicalId) ?? []).map((s) => [s.child.pid ?? 0, s.tmpDir]));
  }

  /**
   * Retires the warm sandboxes of `logicalIds` (all functions when none are named), as a
   * deploy does: the next invocations start new processes on the bundles as they are now.
   */
  async retire(...logicalIds: string[]): Promise<void> {
    const ids = logicalIds.length > 0 ? logicalIds : [...this.warm.keys()];
    const retiring = ids.flatMap((id) => this.warm.get(id)?.splice(0) ?? []);
    await Promise.all(retiring.map(stopSandbox));
  }

  private async startSandbox(fn: RehearsedFunction): Promise<Sandbox> {
    const logStream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const tmpDir = join(this.options.tmpRoot, `${fn.logicalId}-${(this.sandboxes += 1)}`);
    await mkdir(tmpDir, { recursive: true });
    const child = spawn(this.options.node, [BOOTSTRAP], {
      cwd: fn.taskRoot,
      // Lambda's /tmp is the sandbox's own: os.tmpdir() follows TMPDIR to this one.
      env: { ...this.environmentOf(fn, logStream), TMPDIR: tmpDir },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const sandbox: Sandbox = {
      child,
      logStream,
      tmpDir,
      invocations: 0,
      sink: { stdout: [], stderr: [], ended: () => undefined },
    };
    const lines = (stream: 'stdout' | 'stderr') => {
      let rest = '';
      return (chunk: Buffer) => {
        const parts = (rest + chunk.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          if (/^--rehearsal end of \S+--$/.test(line)) sandbox.sink.ended();
          else if (line.length > 0) sandbox.sink[stream].push(line);
        }
      };
    };
    child.on('error', () => undefined); // a send to a dead process: 'close' reports it
    child.stdout?.on('data', lines('stdout'));
    child.stderr?.on('data', lines('stderr'));
    return sandbox;
  }

  private async run(
    fn: RehearsedFunction,
    event: unknown,
    requestId: string,
    attempt: number,
  ): Promise<InvocationRecord> {
    const warm = this.warm.get(fn.logicalId) ?? [];
    // A sandbox whose process died while idle is gone, as Lambda would replace it.
    while (warm.length > 0 && !isRunning(warm[warm.length - 1] as Sandbox)) warm.pop();
    const reused = warm.pop();
    const sandbox = reused ?? (await this.startSandbox(fn));
    sandbox.invocations += 1;
    const { child, logStream } = sandbox;
    await this.authorizeRuntime(fn, logStream);
    const started = Date.now();
    const deadline = started + fn.timeoutSeconds * 1000;
    const stdout: string[] = [];
    const stderr: string[] = [];
    // Output ends with a marker on each stream; the outcome comes on a third channel (IPC).
    let markers = 0;
    const output = new Promise<void>((resolve) => {
      sandbox.sink = { stdout, stderr, ended: () => (markers += 1) === 2 && resolve() };
    });
    let tmpPeak = 0;
    const measureTmp = async () => {
      tmpPeak = Math.max(tmpPeak, await bytesUnder(sandbox.tmpDir));
    };
    const sampler = setInterval(() => void measureTmp(), TMP_SAMPLE_MS);
    type Outcome = {
      ok: boolean;
      result?: unknown;
      error?: InvocationRecord['error'];
      maxRssMb: number;
      ended?: boolean;
    };
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        done({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
          },
          maxRssMb: 0,
          ended: true,
        });
      }, deadline - started);
      const onMessage = (message: Outcome) => void output.then(() => done(message));
      // 'close': the process is gone and its output all read.
      const onClose = (code: number | null, signal: string | null) =>
        done({
          ok: false,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`,
          },
          maxRssMb: 0,
          ended: true,
        });
      const done = (result: Outcome) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('close', onClose);
        resolve(result);
      };
      child.on('message', onMessage);
      child.on('close', onClose);
      child.send({
        event,
        handler: fn.handler,
        deadline,
        context: {
          functionName: fn.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: String(fn.memoryMb),
          awsRequestId: requestId,
          logGroupName: fn.logGroupName,
          logStreamName: logStream,
        },
      });
    });
    clearInterval(sampler);
    await measureTmp();
    const tmpPeakMb = tmpPeak / 1024 / 1024;
    const overMemory = outcome.maxRssMb > fn.memoryMb;
    const overTmp = tmpPeakMb > fn.ephemeralStorageMb;
    const limit = overMemory
      ? {
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `Max memory used ${outcome.maxRssMb.toFixed(0)} MB exceeds ${fn.memoryMb} MB`,
        }
      : overTmp
        ? {
            // In Lambda the write itself fails (ENOSPC); here the rehearsal notices afterwards.
            errorType: 'Sandbox.EphemeralStorageFull',
            errorMessage: `/tmp held ${tmpPeakMb.toFixed(0)} MB, over the function's ${fn.ephemeralStorageMb} MB of ephemeral storage`,
          }
        : undefined;
    const record: InvocationRecord = {
      function: fn.logicalId,
      requestId,
      attempt,
      event,
      ok: outcome.ok && !limit,
      ...(outcome.ok && !limit ? { result: outcome.result } : {}),
      ...(limit ? { error: limit } : outcome.error ? { error: outcome.error } : {}),
      stdout,
      stderr,
      durationMs: Date.now() - started,
      maxRssMb: outcome.maxRssMb,
      tmpPeakMb,
      pid: child.pid ?? 0,
      coldStart: !reused,
    };
    this.invocations.push(record);
    // A sandbox that timed out, crashed or overran a limit is not used again, as in Lambda.
    if (outcome.ended || limit) await stopSandbox(sandbox);
    else this.warm.set(fn.logicalId, [...(this.warm.get(fn.logicalId) ?? []), sandbox]);
    return record;
  }

  /** What Lambda itself does with the function's role: assume it, and write its logs. */
  private async authorizeRuntime(fn: RehearsedFunction, logStream: string): Promise<void> {
    const checks = [
      { principal: 'lambda.amazonaws.com', action: 'sts:AssumeRole', resource: fn.roleArn },
      ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
        principal: fn.caller.principal,
        action,
        resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${fn.logGroupName}:log-stream:${logStream}`,
      })),
    ];
    for (const check of checks) {
      const decision = await this.authorizer.authorize({
        ...check,
        context: { 'aws:SecureTransport': 'true' },
      });
      if (!decision.allowed) this.problems.push(`${fn.name}: ${decision.message}`);
    }
  }
}

const isRunning = ({ child }: Sandbox) => child.exitCode === null && child.signalCode === null;

async function stopSandbox(sandbox: Sandbox): Promise<void> {
  const { child } = sandbox;
  if (isRunning(sandbox)) {
    const gone = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  await rm(sandbox.tmpDir, { recursive: true, force: true });
}

/** The space the files under `dir` take, as `du` counts it; a file removed meanwhile counts 0. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesUnder(path);
    else
      total += await lstat(path).then(
        (s) => s.blocks * 512,
        () => 0,
      );
  }
  return total;
}
