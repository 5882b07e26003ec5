import {
  doctorExitCode,
  fail,
  formatDoctorText,
  ok,
  runChecks,
  skip,
} from '../../../cli/doctor/doctor-check';
import { connectionFromUrl } from '../../../cli/doctor/database-target';
import { subscriptionsCheck } from '../../../cli/remote/alarm-subscriptions';

describe('the doctor checks', () => {
  it('prints one aligned line per check, the fix after a failure only, and a count', async () => {
    const results = await runChecks([
      { name: 'short', run: async () => ok('fine') },
      { name: 'a longer name', run: async () => fail('broken', 'mend it') },
      { name: 'after', run: async () => skip('not checked') },
    ]);
    expect(formatDoctorText('title', results)).toBe(
      [
        'title',
        '✓ short          fine',
        '✗ a longer name  broken → fix: mend it',
        '- after          not checked',
        '1 of 3 checks failed.',
      ].join('\n'),
    );
    expect(doctorExitCode(results)).toBe(1);
    expect(doctorExitCode(results.filter((r) => r.status !== 'fail'))).toBe(0);
  });

  it('turns a check that throws into a failure naming its first line', async () => {
    const [result] = await runChecks([
      {
        name: 'thrower',
        run: () => Promise.reject(new Error('permission denied for view pg_roles\nmore')),
      },
    ]);
    expect(result).toMatchObject({
      status: 'fail',
      detail: 'permission denied for view pg_roles',
    });
  });

  it('names what a database URL lacks, never its password', () => {
    expect(() => connectionFromUrl('S', 'postgres://:secret@db:5432/')).toThrow(
      /^S names no user, database$/,
    );
    expect(() => connectionFromUrl('S', 'mysql://u:secret@db/x')).toThrow(
      /^S is not a postgres:\/\/ URL$/,
    );
    expect(() => connectionFromUrl('S', 'not a url secret')).toThrow(/^S is not a URL$/);
    expect(connectionFromUrl('S', 'postgresql://u@db/x')).toEqual({
      connectionString: 'postgresql://u@db/x',
    });
  });

  it('fails a topic with no subscription, and skips a stack that does not publish its topic', async () => {
    expect(await subscriptionsCheck('arn:t', async () => []).run()).toMatchObject({
      status: 'fail',
      detail: 'the alarm topic has no subscription: no alarm reaches anyone',
    });
    expect(await subscriptionsCheck(undefined, async () => []).run()).toMatchObject({
      status: 'skip',
    });
  });
});
