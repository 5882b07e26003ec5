import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { temporaryStateDir } from '../../../local/local-stack';
import { lockStateFolder } from '../../../local/state-lock';
import { runDeliverance } from '../../support/deliverance-command';

const deliverance = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runDeliverance(args, { ...process.env, DELIVERANCE_ENV: '', ...env });

/** A refusal: exit 2, nothing on stdout, one line on stderr. */
function refusal(result: { code: number; stdout: string; stderr: string }) {
  expect(result).toMatchObject({ code: 2, stdout: '' });
  expect(result.stderr.split('\n')).toHaveLength(2);
  return result.stderr.trimEnd();
}

const REPORTING = [
  'run',
  'replay',
  'redrive',
  'analytics',
  'doctor',
  'pause',
  'resume',
  'resync',
  'status',
  'sql',
];

describe('the deliverance command line conventions', () => {
  let stateDir: string;
  beforeEach(async () => {
    // Enterable by the embedded PostgreSQL, which runs as user postgres under root.
    stateDir = join(await temporaryStateDir('dlv-cli-'), 'state');
  });
  afterEach(() => rm(join(stateDir, '..'), { recursive: true, force: true }));

  it('lists every command and the exit codes on --help, and exits 0', async () => {
    const help = await deliverance(['--help']);
    expect(help.code).toBe(0);
    for (const command of [...REPORTING, 'seed', 'demo']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(help.stdout).toMatch(/Exit codes: 0 done; 1 failed; 2 a wrong option/);
    expect(help.stdout).toMatch(/3 done, but something needs\nattention/);
    expect(help.stdout).toMatch(/5 another command holds the state\nfolder; 130 interrupted/);
    expect((await deliverance(['help'])).stdout).toBe(help.stdout);
  });

  it("prints one command's usage and options on <command> --help or -h, without running it", async () => {
    const help = await deliverance(['redrive', '--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(
      /^Usage: deliverance redrive --env NAME \[--stage transform\|load\] \[--json\] \[-v\]\n/,
    );
    expect(help.stdout).toMatch(/^ {2}-v, --verbose {2,}also the stage logs/m);
    expect((await deliverance(['seed', '-h'])).stdout).toContain(
      'seed works on the local state folder only',
    );
    expect((await deliverance(['seed', '-h'])).stdout).toMatch(
      /--scale N +how much to generate.*\(a number above 0 up to 1000\)/,
    );
  });

  it('gives -h, -v and --json to every command that reports', async () => {
    for (const command of REPORTING) {
      const help = await deliverance([command, '-h']);
      expect([command, help.stdout.split('\n')[0]]).toEqual([
        command,
        expect.stringMatching(/ \[--json\].* \[-v\]$/),
      ]);
    }
  });

  it('prints the version of the package on --version, -V and -v', async () => {
    const { version } = (await import('../../../package.json')) as { version: string };
    for (const flag of ['--version', '-V', '-v']) {
      expect(await deliverance([flag])).toMatchObject({
        code: 0,
        stdout: `deliverance ${version}\n`,
      });
    }
  });

  it('refuses an unknown command or option in one line, with the nearest one', async () => {
    expect(refusal(await deliverance(['stauts']))).toBe(
      'deliverance: deliverance has no command "stauts": did you mean status?',
    );
    expect(refusal(await deliverance(['pause', '--tabel', 'staff']))).toBe(
      'deliverance: pause has no option --tabel: did you mean --table?',
    );
    expect(refusal(await deliverance(['status', '--scale', '5', '--force']))).toBe(
      'deliverance: status has no option --scale: its options: --env, --limit, --json, --html, --wide, --table, --help, --verbose',
    );
    expect(refusal(await deliverance(['run', '--table', 'staff']))).toBe(
      'deliverance: run has no option --table: run reads every table in one batch, in foreign-key order; to hold tables back, deliverance pause --table T',
    );
    expect(refusal(await deliverance(['run', 'now']))).toBe(
      'deliverance: run takes no argument "now"',
    );
    expect(refusal(await deliverance(['analytics', '--json', '--html', 'page.html']))).toBe(
      'deliverance: --html and --json cannot go together: give one of them',
    );
    expect(refusal(await deliverance(['run', '--env', 'prod']))).toBe(
      'deliverance: run has no option --env: run works on the local state folder only: drop --env',
    );
    expect(refusal(await deliverance(['run'], { DELIVERANCE_ENV: 'prod' }))).toBe(
      'deliverance: run works on the local state folder only: unset DELIVERANCE_ENV or drop --env prod',
    );
  });

  it('checks numbers and choices against their range', async () => {
    expect(refusal(await deliverance(['seed', '--scale', '-1']))).toBe(
      'deliverance: --scale must be a number above 0 up to 1000, not "-1"',
    );
    expect(refusal(await deliverance(['status', '--limit=2.5']))).toBe(
      'deliverance: --limit must be a whole number from 1 up to 1000, not "2.5"',
    );
    expect(refusal(await deliverance(['status', '--limit']))).toBe(
      'deliverance: --limit needs a value: a whole number from 1 up to 1000',
    );
    expect(refusal(await deliverance(['replay', '--batch', 'b', '--stage', 'lod']))).toBe(
      'deliverance: --stage must be one of transform, load, not "lod" (did you mean load?)',
    );
  });

  it('a read-only command in an empty state folder says there is no state yet, and makes none', async () => {
    const env = { DELIVERANCE_STATE_DIR: stateDir };
    const status = await deliverance(['status'], env);
    expect(status.code).toBe(3);
    expect(status.stdout).toBe(
      `No state yet in ${stateDir} (no embedded PostgreSQL, no local S3 buckets): deliverance seed --scale 1 then deliverance run make it, or set DELIVERANCE_STATE_DIR to the folder that has it\n`,
    );
    const json = await deliverance(['status', '--json'], env);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({
      stateDir,
      state: null,
      attention: [expect.stringMatching(/^No state yet in /)],
    });
    for (const args of [['analytics'], ['sql', 'select 1']]) {
      const refused = await deliverance(args, env);
      expect([args[0], refused.code]).toEqual([args[0], 1]);
      expect(refused.stderr).toMatch(/^deliverance: No state yet in .* \(no embedded PostgreSQL\)/);
    }
    expect(existsSync(stateDir)).toBe(false);
  });

  it('a second writer is refused with exit 5, naming the command that holds the folder', async () => {
    const lock = await lockStateFolder(stateDir, 'run', () => undefined);
    try {
      const second = await deliverance(['pause', '--table', 'staff'], {
        DELIVERANCE_STATE_DIR: stateDir,
      });
      expect(second).toMatchObject({ code: 5, stdout: '' });
      expect(second.stderr).toBe(
        `deliverance: the state folder ${stateDir} is held by deliverance run (pid ${process.pid}, since ${lock.holder.startedAt}): try again when it ends, or stop it (kill ${process.pid})\n`,
      );
    } finally {
      await lock.release();
    }
  });

  it('refuses a malformed database URL by its setting, before connecting anywhere', async () => {
    const seed = await deliverance(['seed'], {
      DELIVERANCE_STATE_DIR: stateDir,
      DELIVERANCE_SOURCE_URL: 'postgres//localhost/totesys',
    });
    expect(refusal(seed)).toBe(
      'deliverance: DELIVERANCE_SOURCE_URL is not a URL: set it to postgres://user:password@host:port/database',
    );
    const sql = await deliverance(['sql', 'select 1'], {
      DELIVERANCE_WAREHOUSE_URL: 'postgres://@db.example/warehouse',
    });
    expect(refusal(sql)).toBe(
      'deliverance: DELIVERANCE_WAREHOUSE_URL names no user: set it to postgres://user:password@host:port/database',
    );
  });

  it('run before seed says to seed the embedded totesys, not to check a setting left unset', async () => {
    const run = await deliverance(['run'], { DELIVERANCE_STATE_DIR: stateDir });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr.split('\n').filter((l) => l.startsWith('deliverance:'))).toEqual([
      `deliverance: The embedded totesys database in ${stateDir} has no source tables yet: seed it first (deliverance seed --scale 1) or set DELIVERANCE_SOURCE_URL to your totesys`,
    ]);
    expect(run.stderr.split('\n')[0]).toBe(
      `state folder ${stateDir} (embedded PostgreSQL and local S3)`,
    );
  });

  it('sql --psql says so when psql is not on PATH', async () => {
    const psql = await deliverance(['sql', '--psql'], { PATH: stateDir });
    expect(psql).toMatchObject({ code: 1, stdout: '' });
    expect(psql.stderr).toMatch(/^deliverance: psql is not on PATH: install the PostgreSQL client/);
    expect(refusal(await deliverance(['sql', '--url', 'select 1']))).toBe(
      'deliverance: QUERY and --url cannot go together: give one of them',
    );
  });
});
