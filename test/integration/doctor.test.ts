import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDoctorText, runChecks } from '../../cli/doctor/doctor-check';
import type { DeployedStack } from '../../cli/remote/deployed-stack';
import { remoteDoctor } from '../../cli/remote/remote-doctor';
import type { OperationsParameter } from '../../contract/operations';
import { SOURCE_TABLE_NAMES } from '../../contract/source-catalogue';
import { FileWatermarkStore } from '../../lambdas/shared/adapters/file-watermark-store';
import { freePort } from '../../local/free-port';
import { startLocalStack, temporaryStateDir } from '../../local/local-stack';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { lockStateFolder } from '../../local/state-lock';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
/** The embedded server's URL of `database` as `user` with `password`. */
let urlAs: (user: string, password: string, database: string) => string;
const UNREADABLE = SOURCE_TABLE_NAMES[SOURCE_TABLE_NAMES.length - 1] as string;

/** `deliverance doctor` on the test stack, the environment changed by `overrides`. */
async function doctor(overrides: NodeJS.ProcessEnv = {}, ...args: string[]) {
  const env = { ...cliEnvironment(stack), ...overrides };
  const { code, stdout, stderr } = await runDeliverance(['doctor', ...args], env);
  return { code, stdout: code === 0 ? stdout : stdout + stderr };
}

/** The line of check `name`. */
const line = (stdout: string, name: string) =>
  stdout.split('\n').find((l) => new RegExp(`^. ${name} {2,}`).test(l)) ?? `no line ${name}`;

beforeAll(async () => {
  stack = await startTestStack();
  const postgres = stack.stack.postgres!;
  await seedTotesys(postgres.url('totesys'), { scale: 0.01 });
  urlAs = (user, password, database) => {
    const url = new URL(postgres.url(database));
    url.username = user;
    url.password = password;
    return url.toString();
  };
  await stack.source.query(`
    CREATE ROLE doctor_reader LOGIN PASSWORD 'reader';
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO doctor_reader;
    REVOKE SELECT ON ${UNREADABLE} FROM doctor_reader;
    GRANT pg_monitor TO doctor_reader;
    CREATE ROLE doctor_blind LOGIN PASSWORD 'blind';
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO doctor_blind;
    CREATE ROLE doctor_guest LOGIN PASSWORD 'guest';
    CREATE ROLE doctor_loader LOGIN PASSWORD 'loader';
    GRANT CREATE ON DATABASE warehouse TO doctor_loader;`);
  await stack.warehouse.query('GRANT CREATE ON SCHEMA public TO doctor_loader');
}, 600_000);
afterAll(() => stack?.stop());

/** State folders of single tests, removed with the file's stack: each holds a PostgreSQL. */
const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));
async function scratchStateDir(): Promise<string> {
  const dir = await temporaryStateDir('dlv-doctor-');
  scratch.push(dir);
  return dir;
}

describe('deliverance doctor on the local stack', () => {
  it('passes every check of a sound setup and exits 0', async () => {
    // Every setting points at the running test stack: starting the state folder's own embedded
    // server instead would fail on its running postmaster.
    const { code, stdout } = await doctor();
    expect(stdout).toMatch(/All checks passed/);
    for (const name of [
      'source settings',
      'source connection',
      'source SELECT',
      'source pg_monitor',
      'warehouse settings',
      'warehouse connection',
      'warehouse CREATE',
      'warehouse CREATEROLE',
      'landing bucket',
      'processed bucket',
      'watermarks',
      'schema changes',
    ]) {
      expect(line(stdout, name)).toMatch(/^✓/);
    }
    expect(line(stdout, 'source connection')).toMatch(/postgres@127\.0\.0\.1:\d+\/totesys, no TLS/);
    expect(code).toBe(0);
  });

  it('names a wrong password, skips what needs the connection, and exits 1', async () => {
    const { code, stdout } = await doctor({
      DELIVERANCE_SOURCE_URL: urlAs('postgres', 'not-the-password', 'totesys'),
    });
    expect(line(stdout, 'source connection')).toMatch(
      /^✗ .*refused the connection \(wrong user name or password.*→ fix: set DELIVERANCE_SOURCE_URL to postgres:\/\/user:password@host:port\/database$/,
    );
    expect(stdout).not.toContain('not-the-password');
    expect(line(stdout, 'source SELECT')).toMatch(/^- .*not checked: no source connection/);
    expect(line(stdout, 'warehouse connection')).toMatch(/^✓/);
    expect(code).toBe(1);
  });

  it('names a port nothing listens on as unreachable, with what to start', async () => {
    const port = await freePort();
    const { code, stdout } = await doctor({
      DELIVERANCE_WAREHOUSE_URL: `postgres://postgres:deliverance@127.0.0.1:${port}/warehouse`,
    });
    expect(line(stdout, 'warehouse connection')).toMatch(
      new RegExp(
        `^✗ .*Cannot reach the warehouse database at 127\\.0\\.0\\.1:${port}/warehouse \\(ECONNREFUSED\\) → fix: start the server, or correct host and port in DELIVERANCE_WAREHOUSE_URL`,
      ),
    );
    expect(code).toBe(1);
  });

  it('names the source table the user may not read, and the GRANT that fixes it', async () => {
    const { code, stdout } = await doctor({
      DELIVERANCE_SOURCE_URL: urlAs('doctor_reader', 'reader', 'totesys'),
    });
    expect(line(stdout, 'source SELECT')).toBe(
      `✗ source SELECT         doctor_reader may not SELECT from ${UNREADABLE} → fix: as the tables' owner: GRANT SELECT ON ${UNREADABLE} TO "doctor_reader"`,
    );
    expect(line(stdout, 'source pg_monitor')).toMatch(/^✓/);
    expect(code).toBe(1);
  });

  it('says what degrades without pg_monitor, and the GRANT', async () => {
    const { code, stdout } = await doctor({
      DELIVERANCE_SOURCE_URL: urlAs('doctor_blind', 'blind', 'totesys'),
    });
    expect(line(stdout, 'source SELECT')).toMatch(/^✓ .*doctor_blind may read all/);
    expect(line(stdout, 'source pg_monitor')).toMatch(
      /^✗ .*doctor_blind is not in pg_monitor: .*only the overlap window protects.* → fix: GRANT pg_monitor TO "doctor_blind"$/,
    );
    expect(code).toBe(1);
  });

  it('names a warehouse user without CREATEROLE, the CREATE rights being there', async () => {
    const { code, stdout } = await doctor({
      DELIVERANCE_WAREHOUSE_URL: urlAs('doctor_loader', 'loader', 'warehouse'),
    });
    expect(line(stdout, 'warehouse CREATE')).toMatch(
      /^✓ warehouse CREATE +doctor_loader may create/,
    );
    expect(line(stdout, 'warehouse CREATEROLE')).toMatch(
      /^✗ .*doctor_loader lacks CREATEROLE: .*deliverance_analyst.* → fix: ALTER ROLE "doctor_loader" CREATEROLE/,
    );
    expect(code).toBe(1);
  });

  it('names the CREATE rights a warehouse user lacks, with the GRANTs', async () => {
    const { code, stdout } = await doctor({
      DELIVERANCE_WAREHOUSE_URL: urlAs('doctor_guest', 'guest', 'warehouse'),
    });
    expect(line(stdout, 'warehouse CREATE')).toBe(
      '✗ warehouse CREATE      doctor_guest may not CREATE in database warehouse, schema public: the migrations would fail → fix: GRANT CREATE ON DATABASE "warehouse" TO "doctor_guest"; GRANT CREATE ON SCHEMA "public" TO "doctor_guest"',
    );
    expect(code).toBe(1);
  });
});

describe('deliverance doctor on the local stack: the state folder, watermarks, URLs and --json', () => {
  it('starts the embedded servers of a state folder for what the settings leave to it', async () => {
    const stateDir = await scratchStateDir();
    await (await startLocalStack(stateDir)).stop();
    const unset = {
      DELIVERANCE_STATE_DIR: stateDir,
      DELIVERANCE_SOURCE_URL: '',
      DELIVERANCE_WAREHOUSE_URL: '',
      DELIVERANCE_S3_ENDPOINT: '',
    };
    const { code, stdout } = await doctor(unset);
    expect(line(stdout, 'source connection')).toMatch(/^✓ .*postgres@127\.0\.0\.1:\d+\/totesys/);
    expect(line(stdout, 'source settings')).toMatch(/the embedded totesys database/);
    // Never seeded: every source table is missing.
    expect(line(stdout, 'source SELECT')).toMatch(
      /^✗ .*no table address, .* in the source database/,
    );
    expect(line(stdout, 'warehouse CREATEROLE')).toMatch(/^✓/);
    expect(line(stdout, 'landing bucket')).toMatch(/^✓ .*deliverance-landing readable/);
    expect(code).toBe(1);
  }, 120_000);

  it('reads through the servers of a command holding the state folder, and says when it runs none', async () => {
    const unset = { DELIVERANCE_SOURCE_URL: '', DELIVERANCE_WAREHOUSE_URL: '' };
    // The test stack's servers, as a `deliverance run` holding the folder publishes them.
    const lock = await lockStateFolder(stack.stack.stateDir, 'run', () => undefined);
    try {
      await lock.publish({
        postgresPort: stack.stack.postgres!.port,
        s3Url: stack.stack.s3!.endpoint.url,
      });
      const shared = await doctor(unset);
      expect(line(shared.stdout, 'source connection')).toMatch(
        new RegExp(`^✓ .*127\\.0\\.0\\.1:${stack.stack.postgres!.port}/totesys`),
      );
    } finally {
      await lock.release();
    }
    // A holder that started no server (a pause): doctor neither waits for it nor starts its own.
    const bare = await lockStateFolder(stack.stack.stateDir, 'pause', () => undefined);
    try {
      const { code, stdout } = await doctor(unset);
      expect(line(stdout, 'local state')).toMatch(
        /^✗ .*the embedded servers in .* did not start: deliverance pause \(pid \d+, .*\) holds the state folder .* → fix: is another deliverance command using this state folder\?/,
      );
      expect(code).toBe(1);
    } finally {
      await bare.release();
    }
  }, 120_000);

  it('names a watermark ingest would refuse, where it is kept, and how to set it right', async () => {
    const stateDir = await scratchStateDir();
    await new FileWatermarkStore(join(stateDir, 'watermarks.json')).write('staff', 'yesterday');
    const { code, stdout } = await doctor({ DELIVERANCE_STATE_DIR: stateDir });
    expect(line(stdout, 'watermarks')).toMatch(
      /^✗ watermarks +staff: not a timestamp, ingest refuses it \("staff" in .*watermarks\.json\) → fix: set it to the last time/,
    );
    expect(code).toBe(1);
  });

  it('names the field a database URL lacks', async () => {
    const port = stack.stack.postgres!.port;
    const { code, stdout } = await doctor({
      DELIVERANCE_SOURCE_URL: `postgres://postgres:deliverance@127.0.0.1:${port}`,
    });
    expect(line(stdout, 'source settings')).toMatch(
      /^✗ source settings +DELIVERANCE_SOURCE_URL names no database → fix: set DELIVERANCE_SOURCE_URL to/,
    );
    expect(line(stdout, 'source connection')).toMatch(/^- /);
    expect(code).toBe(1);
  });

  it('prints the checks as JSON with --json', async () => {
    const { code, stdout } = await doctor(
      {
        DELIVERANCE_SOURCE_URL: urlAs('doctor_blind', 'blind', 'totesys'),
      },
      '--json',
    );
    const report = JSON.parse(stdout) as {
      environment: string;
      ok: boolean;
      checks: { name: string; status: string; fix?: string }[];
    };
    expect(report.environment).toBe('local');
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([
      'source pg_monitor',
    ]);
    expect(report.checks.find((c) => c.name === 'source pg_monitor')?.fix).toBe(
      'GRANT pg_monitor TO "doctor_blind"',
    );
    expect(code).toBe(1);
  });

  it('creates no state where there is none, and says how to set it up', async () => {
    const parent = await scratchStateDir();
    const stateDir = join(parent, 'never-set-up');
    const { code, stdout } = await doctor({
      DELIVERANCE_STATE_DIR: stateDir,
      DELIVERANCE_SOURCE_URL: '',
      DELIVERANCE_WAREHOUSE_URL: '',
      DELIVERANCE_S3_ENDPOINT: '',
    });
    expect(line(stdout, 'local state')).toMatch(
      /^✗ .*nothing is set up in .*never-set-up yet .*→ fix: run deliverance seed --scale 1/,
    );
    await expect(stat(stateDir)).rejects.toThrow('ENOENT');
    expect(code).toBe(1);
  });
});

describe('deliverance doctor --env, through its ports, on the local stack', () => {
  const operations: OperationsParameter = {
    version: 1,
    environment: 'test',
    landingBucket: 'deliverance-landing',
    processedBucket: 'deliverance-processed',
    watermarkParameterPrefix: '/deliverance/test',
    functions: { ingest: 'ingest', transform: 'transform', load: 'load' },
    deadLetterQueues: [
      { name: 'transform', url: 'https://sqs/transform' },
      { name: 'load', url: 'https://sqs/load' },
    ],
    alarms: ['deliverance-test-load-errors'],
    alarmTopicArn: 'arn:aws:sns:eu-west-2:123456789012:alarms',
    databaseSecrets: { source: 'deliverance/totesys', warehouse: 'deliverance/warehouse' },
  };

  it('reads each secret as the functions do and gives every deployed check its line', async () => {
    const stateDir = await scratchStateDir();
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'watermarks.json'), '{}');
    const port = stack.stack.postgres!.port;
    const secrets: Record<string, string> = {
      // RDS-managed, and the stack sets no host for it: the functions would refuse it.
      'deliverance/totesys': JSON.stringify({ username: 'postgres', password: 'deliverance' }),
      // RDS-managed, the endpoint from the stack's context; but the embedded server offers no
      // TLS, which the functions require.
      'deliverance/warehouse': JSON.stringify({ username: 'postgres', password: 'deliverance' }),
    };
    const watermarks = new FileWatermarkStore(join(stateDir, 'watermarks.json'));
    const deployed: DeployedStack = {
      environment: 'test',
      operations: {
        ...operations,
        databaseEndpoints: {
          source: {},
          warehouse: { host: '127.0.0.1', port, database: 'warehouse' },
        },
      },
      clients: undefined as never,
      landing: stack.landing,
      processed: stack.processed,
      watermarks,
      close: () => undefined,
    };
    const plan = await remoteDoctor('test', {
      openStack: () => Promise.resolve(deployed),
      readSecret: (_stack, id) => Promise.resolve(secrets[id]),
      statusSources: () => ({
        landing: stack.landing,
        processed: stack.processed,
        watermarks,
        deployment: {
          environment: 'test',
          deadLetters: () =>
            Promise.resolve([
              { name: 'transform', messages: 0 },
              { name: 'load', messages: 2 },
            ]),
          alarms: () =>
            Promise.resolve([
              { name: 'deliverance-test-load-errors', state: 'ALARM', since: null, reason: null },
            ]),
        },
      }),
      subscriptions: () => () =>
        Promise.resolve([
          { protocol: 'email', endpoint: 'ops@example.com', subscriptionArn: 'arn:aws:sns:x' },
          {
            protocol: 'email',
            endpoint: 'admin@example.com',
            subscriptionArn: 'PendingConfirmation',
          },
        ]),
    });
    const results = await runChecks(plan.checks);
    await plan.close();
    const text = formatDoctorText(plan.title, results);
    expect(line(text, 'operations parameter')).toMatch(/^✓ .*\/deliverance\/test\/operations/);
    expect(line(text, 'source settings')).toMatch(
      /^✗ .*Secret deliverance\/totesys lacks host: .* → fix: put the right value in secret deliverance\/totesys/,
    );
    expect(line(text, 'warehouse connection')).toMatch(
      /^✗ .*the server does not offer TLS, which the connection requires/,
    );
    expect(line(text, 'dead-letter queues')).toMatch(
      /^✗ .*load holds 2 → fix: once the cause is fixed: deliverance redrive --env test/,
    );
    expect(line(text, 'alarms')).toMatch(/^✗ .*in ALARM: deliverance-test-load-errors/);
    expect(line(text, 'alarm subscriptions')).toMatch(
      /^✗ .*admin@example\.com never confirmed: no alarm reaches it → fix: .*Confirm subscription/,
    );
    expect(line(text, 'recent runs')).toMatch(/^✓ recent runs +no run yet$/);
    expect(line(text, 'watermarks')).toMatch(/^✓/);
    expect(text).not.toContain('"password"');
  });

  it('stops at an operations parameter it cannot read, with what to check', async () => {
    const plan = await remoteDoctor('gone', {
      openStack: () =>
        Promise.reject(
          new Error(
            'No deployed environment "gone" in eu-west-2: SSM parameter /deliverance/gone/operations does not exist. Check --env and AWS_REGION',
          ),
        ),
      readSecret: () => Promise.reject(new Error('not reached')),
      subscriptions: () => () => Promise.reject(new Error('not reached')),
      statusSources: () => {
        throw new Error('not reached');
      },
    });
    const results = await runChecks(plan.checks);
    expect(results).toEqual([
      expect.objectContaining({
        name: 'operations parameter',
        status: 'fail',
        detail:
          'No deployed environment "gone" in eu-west-2: SSM parameter /deliverance/gone/operations does not exist',
      }),
    ]);
  });
});
