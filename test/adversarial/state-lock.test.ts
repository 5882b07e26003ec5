import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockPath, lockStateFolder, StateFolderBusyError } from '../../local/state-lock';

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'dlv-lock-'));
});
afterEach(() => rm(stateDir, { recursive: true, force: true }));

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid;

describe('one writer at a time per state folder', () => {
  it('a second taker is refused while the holder lives, naming its pid, command and start', async () => {
    const lock = await lockStateFolder(stateDir, 'run', () => undefined);
    const refused = lockStateFolder(stateDir, 'seed', () => undefined);
    await expect(refused).rejects.toBeInstanceOf(StateFolderBusyError);
    await expect(refused).rejects.toThrow(
      `the state folder ${stateDir} is held by deliverance run (pid ${process.pid}, since ${lock.holder.startedAt}): try again when it ends`,
    );
    await lock.release();
    await (await lockStateFolder(stateDir, 'seed', () => undefined)).release();
  });

  it("a dead holder's lock, or a damaged one, is taken over with a notice", async () => {
    const dead = deadPid();
    await writeFile(
      lockPath(stateDir),
      JSON.stringify({ pid: dead, command: 'run', startedAt: 'then' }),
    );
    const notices: string[] = [];
    const lock = await lockStateFolder(stateDir, 'status', (line) => notices.push(line));
    expect(notices).toEqual([
      `taking over the state folder from deliverance run (pid ${dead}, since then), which ended without releasing it`,
    ]);
    expect(JSON.parse(await readFile(lockPath(stateDir), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'status',
    });
    await lock.release();

    await writeFile(lockPath(stateDir), '');
    await (await lockStateFolder(stateDir, 'run', () => undefined)).release();
  });

  it('two takers of the same dead lock: exactly one gets it, the other is told who has it', async () => {
    await writeFile(
      lockPath(stateDir),
      JSON.stringify({ pid: deadPid(), command: 'run', startedAt: 'then' }),
    );
    const outcomes = await Promise.allSettled(
      ['run', 'seed', 'replay'].map((command) =>
        lockStateFolder(stateDir, command, () => undefined),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect(o.reason).toBeInstanceOf(StateFolderBusyError);
    }
    expect(await readdir(stateDir)).toEqual(['lock.json']);
  });

  it('a holder releasing late never removes the lock of the one that took over from it', async () => {
    const first = await lockStateFolder(stateDir, 'run', () => undefined);
    // As if it had died: its lock now names a process that has ended.
    await writeFile(
      lockPath(stateDir),
      JSON.stringify({ pid: deadPid(), command: 'run', startedAt: 'then' }),
    );
    const second = await lockStateFolder(stateDir, 'seed', () => undefined);
    await first.release();
    expect(JSON.parse(await readFile(lockPath(stateDir), 'utf8'))).toMatchObject({
      command: 'seed',
    });
    await second.release();
    expect(await readdir(stateDir)).toEqual([]);
  });
});
