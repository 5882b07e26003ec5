import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_BUCKETS, startLocalStack, temporaryStateDir } from '../../local/local-stack';
import { openPipeline, type PipelineContext } from '../../local/pipeline-context';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { objectsWithoutManifest } from '../integration/support/unfinished-attempts';
import { itAsRoot } from '../support/as-root';

/**
 * The `deliverance` command on its own state folder, as an operator runs it: embedded
 * PostgreSQL and local S3 server under the folder, killed, run twice at once, run on a full disk.
 * Each case fails on the code before the state folder was made crash-safe.
 */

const CLI = join(__dirname, '..', '..', 'bin', 'deliverance.cjs');
/** Lines a terminal acts on: the hostile design names below carry them. */
// eslint-disable-next-line no-control-regex -- the test looks for exactly these
const ACTING_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
const HOSTILE = '\x1b[2J\x1b[H\x07\r\u009b31m\u202e';

let stateDir: string;

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(...args: string[]): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env,
      DELIVERANCE_STATE_DIR: stateDir,
      DELIVERANCE_ENV: '',
      DELIVERANCE_SOURCE_URL: '',
      DELIVERANCE_WAREHOUSE_URL: '',
      DELIVERANCE_S3_ENDPOINT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const deliverance = (...args: string[]) => start(...args).done;

/** The lines the command printed as its failure. */
const failures = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('deliverance:'));

async function lockFile(): Promise<
  { pid: number; servers?: { postgresPort?: number } } | undefined
> {
  const text = await readFile(join(stateDir, 'lock.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as { pid: number });
}

/** Waits until the command holding the folder has its servers up (it says so in its lock). */
async function serversUp(run: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const lock = await lockFile();
    if (lock && lock.pid === run.pid && lock.servers?.postgresPort !== undefined) return;
    if (run.exitCode !== null) throw new Error(`the run ended (${run.exitCode}) before it started`);
    await sleep(100);
  }
  throw new Error('the run did not start its servers within a minute');
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The test's own stack on the folder, while no command holds it. */
async function onStack<T>(work: (context: PipelineContext) => Promise<T>): Promise<T> {
  const stack = await startLocalStack(stateDir);
  const context = openPipeline({
    sourceUrl: stack.postgres!.url('totesys'),
    warehouseUrl: stack.postgres!.url('warehouse'),
    stateDir,
    s3: stack.s3!.endpoint,
  });
  try {
    return await work(context);
  } finally {
    await context.close();
    await stack.stop();
  }
}

/** New sales orders (more make a longer run), paid payments and dimension changes in totesys. */
const changeTotesys = (newSalesOrders = 40) =>
  onStack(async (context) => {
    const client = await context.source.connect();
    await applyDemoChanges(client, { newSalesOrders, paidPayments: 3 }).finally(() =>
      client.release(),
    );
  });

const md5 = async (file: string) =>
  createHash('md5')
    .update(await readFile(file))
    .digest('hex');

let s3Mounted = false;

beforeAll(async () => {
  stateDir = await temporaryStateDir('dlv-adversarial-');
  await onStack(async (context) => {
    const url = new URL(context.source.options.connectionString!);
    await seedTotesys(url.toString(), { scale: 0.05 });
    await recordSourceHistory(context.source);
    // The best-selling designs get names that would clear an operator's screen.
    await context.source.query(
      `UPDATE design SET design_name = $1 || design_id, last_updated = now()
        WHERE design_id IN (SELECT design_id FROM sales_order GROUP BY design_id
                             ORDER BY sum(units_sold * unit_price) DESC LIMIT 12)`,
      [HOSTILE],
    );
  });
  const first = await deliverance('run');
  expect([first.code, failures(first.stderr)]).toEqual([0, []]);
}, 240_000);

afterAll(async () => {
  if (s3Mounted) execFileSync('umount', [join(stateDir, 's3')]);
  await rm(stateDir, { recursive: true, force: true });
});

describe('the local state folder never wedges', () => {
  it('a run killed with SIGKILL leaves its PostgreSQL running; the next run stops that orphan, takes the folder over saying so, and succeeds', async () => {
    await changeTotesys();
    const killed = start('run');
    await serversUp(killed.child);
    const postmaster = Number(
      (await readFile(join(stateDir, 'postgres', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    expect(isRunning(postmaster)).toBe(true);

    const next = await deliverance('run');
    expect([next.code, failures(next.stderr)]).toEqual([0, []]);
    expect(next.stderr).toContain(
      `taking over the state folder from deliverance run (pid ${killed.child.pid}`,
    );
    expect(next.stderr).toContain(`stopped the PostgreSQL (pid ${postmaster})`);
    expect(isRunning(postmaster)).toBe(false);
  }, 180_000);

  it('a 0-byte and a cut-short _S3rver_metadata.json are repaired at start, each named, their data untouched', async () => {
    const bucket = join(stateDir, 's3', LOCAL_BUCKETS.landing, 'manifests');
    const metadata = (await readdir(bucket))
      .filter((f) => f.endsWith('._S3rver_metadata.json'))
      .map((f) => join(bucket, f));
    const [empty, cut] = metadata as [string, string];
    const data = (file: string) => file.replace('_S3rver_metadata.json', '_S3rver_object');
    const before = [await md5(data(empty)), await md5(data(cut))];
    await writeFile(empty, '');
    await writeFile(cut, '{\n  "content-ty');

    const run = await deliverance('run');
    expect([run.code, failures(run.stderr)]).toEqual([0, []]);
    expect(run.stderr).toContain(`repaired ${empty}`);
    expect(run.stderr).toContain(`repaired ${cut}`);
    for (const file of [empty, cut]) {
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
        'content-type': 'application/json',
      });
    }
    expect([await md5(data(empty)), await md5(data(cut))]).toEqual(before);
  }, 180_000);

  it('a second run while one runs is refused, naming the holder; the first finishes untouched', async () => {
    await changeTotesys();
    const first = start('run');
    await serversUp(first.child);
    // Held still, so that it holds the folder however fast it would have finished.
    first.child.kill('SIGSTOP');
    const second = await deliverance('run').finally(() => first.child.kill('SIGCONT'));
    expect(second.code).toBe(5);
    expect(failures(second.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^deliverance: the state folder ${stateDir} is held by deliverance run \\(pid ${first.child.pid}, since .*\\): try again when it ends`,
        ),
      ),
    ]);
    const outcome = await first.done;
    expect([outcome.code, failures(outcome.stderr)]).toEqual([0, []]);
  }, 180_000);

  it('status during a run reads through the servers of the run, which finishes untouched', async () => {
    await changeTotesys(3000);
    const run = start('run');
    await serversUp(run.child);
    const status = await deliverance('status');
    expect([status.code, failures(status.stderr)]).toEqual([0, []]);
    expect(status.stdout).toMatch(/^Deliverance status at /);
    expect(run.child.exitCode).toBeNull();
    const outcome = await run.done;
    expect([outcome.code, failures(outcome.stderr)]).toEqual([0, []]);
  }, 180_000);

  it('analytics prints the hostile design names escaped: nothing in its output acts on the terminal', async () => {
    const analytics = await deliverance('analytics');
    expect([analytics.code, failures(analytics.stderr)]).toEqual([0, []]);
    expect(analytics.stdout).toContain('\\x1b[2J\\x1b[H\\x07\\x0d\\x9b31m\\u202e');
    expect(analytics.stdout).not.toMatch(ACTING_BUT_NEWLINE);
  }, 120_000);

  itAsRoot(
    'a full disk under the local S3 server fails the run in one line naming the path, exit 4; with room again the next run completes',
    async () => {
      // A real ENOSPC: the S3 folder moves to a tmpfs with room for what it holds and little more.
      const s3 = join(stateDir, 's3');
      await rename(s3, `${s3}.disk`);
      await mkdir(s3);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', s3]);
      s3Mounted = true;
      execFileSync('cp', ['-a', `${s3}.disk/.`, s3]);
      await rm(`${s3}.disk`, { recursive: true });
      const usedKb = Number(
        execFileSync('df', ['--output=used', '-k', s3]).toString().split('\n')[1]?.trim(),
      );
      execFileSync('mount', ['-o', `remount,size=${usedKb + 16}k`, s3]);
      await changeTotesys();

      const full = await deliverance('run');
      expect(full.code).toBe(4);
      expect(failures(full.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^deliverance: no space left on device writing (under ${s3}|${s3}/.+): free space or set DELIVERANCE_STATE_DIR \\(now ${stateDir}\\)`,
          ),
        ),
      ]);
      expect(full.stderr).not.toMatch(/^\s+at /m);

      execFileSync('mount', ['-o', 'remount,size=256m', s3]);
      const again = await deliverance('run');
      expect([again.code, failures(again.stderr)]).toEqual([0, []]);
    },
    240_000,
  );

  it('after all of it the warehouse equals the reference, and landing holds no object without its manifest', async () => {
    await onStack(async (context) => {
      expect(await compareWithReference(context.source, context.warehouse)).toEqual([]);
      expect(await objectsWithoutManifest(context.landing)).toEqual([]);
    });
  }, 120_000);
});
