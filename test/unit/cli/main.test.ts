import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const CLI = join(__dirname, '..', '..', '..', 'bin', 'deliverance.cjs');
const run = promisify(execFile);

async function deliverance(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DELIVERANCE_ENV: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the deliverance command line conventions', () => {
  it('lists every command on --help, and exits 0', async () => {
    const help = await deliverance('--help');
    expect(help.code).toBe(0);
    for (const command of [
      'seed',
      'run',
      'demo',
      'status',
      'replay',
      'redrive',
      'pause',
      'resume',
      'resync',
      'doctor',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect((await deliverance('help')).stdout).toBe(help.stdout);
  });

  it("prints one command's usage on <command> --help, without running it", async () => {
    const help = await deliverance('redrive', '--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(
      /^Usage: deliverance redrive --env NAME \[--stage transform\|load\]\n/,
    );
    expect((await deliverance('seed', '--help')).stdout).toContain(
      'seed works on the local state folder only',
    );
  });

  it('prints the version of the package on --version', async () => {
    const { version } = (await import('../../../package.json')) as { version: string };
    expect(await deliverance('--version')).toMatchObject({
      code: 0,
      stdout: `deliverance ${version}\n`,
    });
  });

  it('refuses an unknown command or option in one line that says what to run', async () => {
    const unknown = await deliverance('frobnicate');
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe(
      'deliverance: Unknown command "frobnicate". Run "deliverance --help" for the list\n',
    );
    const option = await deliverance('pause', '--tabel', 'staff');
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(
      /^deliverance: Unknown option '--tabel'.*Run "deliverance --help" for the options\n$/,
    );
    const local = await deliverance('run', '--env', 'prod');
    expect(local.stderr).toBe(
      'deliverance: run works on the local state folder only: unset DELIVERANCE_ENV or drop --env prod\n',
    );
  });
});
