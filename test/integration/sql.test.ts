import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { startLocalStack, temporaryStateDir } from '../../local/local-stack';
import { runCycle } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { lockStateFolder } from '../../local/state-lock';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

const ROOT = resolve(__dirname, '../..');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
}, 900_000);
afterAll(() => stack?.stop());

describe('deliverance sql', () => {
  it('runs a query on the warehouse by default, on the source with --source, writes included', async () => {
    const env = cliEnvironment(stack);
    const changed = await runDeliverance(
      [
        'sql',
        '--source',
        "UPDATE department SET location = 'Leeds' WHERE department_id = 1; SELECT department_id, location FROM department WHERE department_id = 1",
      ],
      env,
    );
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    expect(changed.stdout).toBe(
      'UPDATE 1\n\ndepartment_id  location\n─────────────  ────────\n            1  Leeds\n(1 row)\n',
    );
    const counted = await runDeliverance(['sql', 'SELECT count(*)::int AS n FROM dim_staff'], env);
    const staff = await stack.source.query<{ n: number }>('SELECT count(*)::int AS n FROM staff');
    expect(counted.stdout.split('\n')[2]?.trim()).toBe(String(staff.rows[0]?.n));
  });

  it('answers --json with each statement, its columns and its rows', async () => {
    const json = await runDeliverance(
      ['sql', '--json', "SELECT 1 AS one, 'a' AS letter, TIMESTAMP '2026-01-02 03:04:05' AS at"],
      cliEnvironment(stack),
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      database: 'warehouse',
      results: [
        {
          command: 'SELECT',
          rowCount: 1,
          columns: ['one', 'letter', 'at'],
          rows: [{ one: 1, letter: 'a', at: expect.stringMatching(/^2026-01-0[12]T/) }],
        },
      ],
    });
  });

  it('a refused query is one line naming the database, exit 1', async () => {
    const bad = await runDeliverance(['sql', 'SELECT nope FROM dim_staff'], cliEnvironment(stack));
    expect(bad).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'deliverance: the warehouse database refused the query: column "nope" does not exist\n',
    });
  });

  it('--url prints a configured URL without its password', async () => {
    const url = await runDeliverance(['sql', '--url', '--source'], cliEnvironment(stack));
    expect(url.code).toBe(0);
    expect(url.stdout).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/totesys\n$/);
    expect(url.stderr).toBe('(the password is in DELIVERANCE_SOURCE_URL)\n');
  });

  it('sql and status use the servers of the command holding the state folder, and name it', async () => {
    const lock = await lockStateFolder(stack.stack.stateDir, 'run', () => undefined);
    try {
      await lock.publish({
        postgresPort: stack.stack.postgres!.port,
        s3Url: stack.stack.s3!.endpoint.url,
      });
      const env = {
        ...cliEnvironment(stack),
        DELIVERANCE_SOURCE_URL: '',
        DELIVERANCE_WAREHOUSE_URL: '',
        DELIVERANCE_S3_ENDPOINT: '',
      };
      const shared = `state folder ${stack.stack.stateDir} (the servers of deliverance run, pid ${process.pid})\n`;
      const sql = await runDeliverance(
        ['sql', '--json', 'SELECT count(*)::int AS n FROM dim_date'],
        env,
      );
      expect(sql).toMatchObject({ code: 0, stderr: shared });
      expect(JSON.parse(sql.stdout)).toMatchObject({ stateDir: stack.stack.stateDir });
      const status = await runDeliverance(['status', '--json'], env);
      expect(status).toMatchObject({ code: 0, stderr: shared });
      expect(JSON.parse(status.stdout)).toMatchObject({
        stateDir: stack.stack.stateDir,
        attention: [],
      });
    } finally {
      await lock.release();
    }
  });
});

describe('deliverance sql --url on the state folder', () => {
  it('keeps the embedded PostgreSQL up until Ctrl-C, then says so in one line and exits 130', async () => {
    const stateDir = await temporaryStateDir('dlv-sql-url-');
    await (await startLocalStack(stateDir, { postgres: true, s3: false })).stop();
    const child = spawn(process.execPath, [join(ROOT, 'bin/deliverance.cjs'), 'sql', '--url'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DELIVERANCE_STATE_DIR: stateDir,
        DELIVERANCE_SOURCE_URL: '',
        DELIVERANCE_WAREHOUSE_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    try {
      while (!stderr.includes('is up until Ctrl-C')) {
        if (child.exitCode !== null) throw new Error(`sql --url ended: ${stderr}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
      const url = stdout.trim();
      expect(url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/warehouse$/);
      const client = new Client({ connectionString: url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();

      child.kill('SIGINT');
      expect(await exited).toEqual({ code: 130, signal: null });
      expect(stderr.split('\n').filter((l) => l.startsWith('deliverance:'))).toEqual([
        'deliverance: interrupted (Ctrl-C); what finished before it stays done',
      ]);
      const after = new Client({ connectionString: url });
      await expect(after.connect()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      child.kill('SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
