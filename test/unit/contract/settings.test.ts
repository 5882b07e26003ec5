import {
  parseDeletesGuard,
  parseDeletesSettings,
  parseDeletesSchedule,
  parseSchemaContract,
  parseStageSettings,
  parseTunings,
  tableSetting,
  STAGE_TUNINGS,
  TUNINGS,
  tuningEnvironment,
  type Environment,
} from '../../../contract/settings';
import { STAGE_ACCESS } from '../../../contract/stage-access';
import { STAGES } from '../../../contract/stages';
import { readSettings, UsageError } from '../../../cli/settings';
import { readStageSettings } from '../../../lambdas/shared/adapters/stage-settings';
import { errorKind } from '../../../lambdas/shared/core/pipeline-error';

/** What the stack gives each stage's function, tunings left to their defaults. */
const STACK_ENV: Environment = {
  LANDING_BUCKET: 'deliverance-dev-landing',
  PROCESSED_BUCKET: 'deliverance-dev-processed',
  SOURCE_SECRET_ID: 'deliverance/totesys',
  WAREHOUSE_SECRET_ID: 'deliverance/warehouse',
  WATERMARK_PARAMETER_PREFIX: '/deliverance/dev',
};

const problemsOf = (parsed: { ok: boolean; problems?: readonly string[] }) =>
  parsed.ok ? [] : (parsed.problems ?? []);

describe('stage settings', () => {
  it("read exactly the resources each stage's access names", () => {
    for (const stage of STAGES) {
      const parsed = parseStageSettings(stage, STACK_ENV);
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      const access = STAGE_ACCESS[stage];
      expect(Object.keys(parsed.value.buckets).sort()).toEqual(Object.keys(access.storage).sort());
      expect(Object.keys(parsed.value.databases).sort()).toEqual([...access.databases].sort());
      expect(parsed.value.parameterPrefix !== undefined).toBe(access.parameters !== undefined);
      expect(Object.keys(parsed.value.tunings)).toEqual(STAGE_TUNINGS[stage]);
    }
  });

  it('give each tuning its declared default when the variable is unset', () => {
    const parsed = parseStageSettings('ingest', STACK_ENV);
    expect(parsed.ok && parsed.value.tunings).toEqual({
      overlapSeconds: 300,
      maxBatchRows: 500_000,
      futureToleranceSeconds: 300,
      maxDeletesPerRun: 500_000,
    });
    expect(parsed.ok && parsed.value.deletes).toEqual({
      schedule: { default: 'rate(1 day)', tables: {} },
      guardPercent: { default: 5, tables: {} },
    });
  });

  it('list every problem at once: each missing variable and each value out of bounds', () => {
    const parsed = parseStageSettings('ingest', {
      LANDING_BUCKET: 'landing',
      SOURCE_PORT: 'fifty',
      OVERLAP_SECONDS: '-1',
      MAX_BATCH_ROWS: '0',
      FUTURE_TOLERANCE_SECONDS: '2.5',
    });
    expect(problemsOf(parsed)).toEqual([
      'SOURCE_SECRET_ID is not set: the stack sets it for this function',
      'SOURCE_PORT: "fifty" is not a port (1 to 65535)',
      'WAREHOUSE_SECRET_ID is not set: the stack sets it for this function',
      'WATERMARK_PARAMETER_PREFIX is not set: the stack sets it for this function',
      'OVERLAP_SECONDS: "-1" is not a whole number of seconds from 0 to 86400',
      'MAX_BATCH_ROWS: "0" is not a whole number of rows from 1 to 1000000000',
      'FUTURE_TOLERANCE_SECONDS: "2.5" is not a whole number of seconds from 0 to 86400',
    ]);
  });

  it("read the endpoint variables set for the stage's database, and only those", () => {
    const env = {
      ...STACK_ENV,
      SOURCE_PORT: '6543',
      SOURCE_DATABASE: 'oltp',
      WAREHOUSE_HOST: 'warehouse.example',
    };
    const ingest = parseStageSettings('ingest', env);
    const load = parseStageSettings('load', env);
    expect(ingest.ok && ingest.value.databases.source).toStrictEqual({
      role: 'source',
      secretId: 'deliverance/totesys',
      endpoint: { port: 6543, database: 'oltp' },
    });
    expect(load.ok && load.value.databases.warehouse.endpoint).toStrictEqual({
      host: 'warehouse.example',
    });
  });

  it('read the analyst secret for the load only, when the stack names one', () => {
    const env = { ...STACK_ENV, ANALYST_SECRET_ID: 'deliverance/analyst' };
    const load = parseStageSettings('load', env);
    const transform = parseStageSettings('transform', env);
    expect(load.ok && load.value.analystSecretId).toBe('deliverance/analyst');
    expect(transform.ok && transform.value.analystSecretId).toBeUndefined();
  });

  it('are what the stack sets: the tunings lib/ writes parse back to the values chosen', () => {
    const chosen = {
      overlapSeconds: 60,
      maxBatchRows: 1000,
      futureToleranceSeconds: 0,
      maxDeletesPerRun: 10,
    };
    const env = { ...STACK_ENV, ...tuningEnvironment('ingest', chosen) };
    expect(tuningEnvironment('transform', chosen)).toEqual({});
    const parsed = parseStageSettings('ingest', env);
    expect(parsed.ok && parsed.value.tunings).toEqual(chosen);
  });

  it('are a fatal configuration error in a handler, in one message naming every problem', () => {
    const failure = (() => {
      try {
        return readStageSettings('transform', { LANDING_BUCKET: 'landing' });
      } catch (error) {
        return error;
      }
    })();
    expect(errorKind(failure)).toBe('fatal');
    expect((failure as Error).message).toBe(
      "Invalid settings of the transform function: PROCESSED_BUCKET is not set: the stack sets it for this function. The stack sets them (lib/): deploy it again, or fix the function's environment",
    );
  });
});

describe('the command line settings', () => {
  it('read the same tunings, prefixed DELIVERANCE_, with the same defaults', () => {
    expect(readSettings({})).toMatchObject({
      overlapSeconds: TUNINGS.overlapSeconds.default,
      maxBatchRows: TUNINGS.maxBatchRows.default,
    });
    expect(readSettings({ DELIVERANCE_MAX_BATCH_ROWS: '20' }).maxBatchRows).toBe(20);
  });

  it('refuse every invalid tuning at once, as a usage error', () => {
    const env = { DELIVERANCE_OVERLAP_SECONDS: 'soon', DELIVERANCE_MAX_BATCH_ROWS: '-5' };
    expect(() => readSettings(env)).toThrow(UsageError);
    expect(() => readSettings(env)).toThrow(
      'DELIVERANCE_OVERLAP_SECONDS: "soon" is not a whole number of seconds from 0 to 86400; DELIVERANCE_MAX_BATCH_ROWS: "-5" is not a whole number of rows from 1 to 1000000000',
    );
    expect(problemsOf(parseTunings(['overlapSeconds'], env, 'DELIVERANCE_'))).toHaveLength(1);
  });
});

describe('the schema contract setting', () => {
  it('is a policy, then per-table overrides; evolve everywhere when unset', () => {
    expect(parseSchemaContract('SCHEMA_CONTRACT', undefined)).toEqual({
      default: 'evolve',
      tables: {},
    });
    expect(parseSchemaContract('SCHEMA_CONTRACT', ' freeze ')).toEqual({
      default: 'freeze',
      tables: {},
    });
    const contract = parseSchemaContract('SCHEMA_CONTRACT', 'evolve, payment=freeze');
    expect(contract).toEqual({ default: 'evolve', tables: { payment: 'freeze' } });
    expect(typeof contract !== 'string' && tableSetting(contract, 'payment')).toBe('freeze');
    expect(typeof contract !== 'string' && tableSetting(contract, 'staff')).toBe('evolve');
  });

  it.each([
    'discard',
    'customers=freeze',
    'payment=thaw',
    'evolve,freeze',
    'payment=freeze,evolve',
  ])('refuses %s, naming the variable and the form', (raw) => {
    const form = `SCHEMA_CONTRACT: ${JSON.stringify(raw)} is not a policy (evolve or freeze) then table=policy overrides, e.g. "evolve,payment=freeze"`;
    const message = parseSchemaContract('SCHEMA_CONTRACT', raw);
    expect(typeof message === 'string' && message.slice(0, form.length)).toBe(form);
  });

  it('names the part at fault when it can say why', () => {
    expect(parseSchemaContract('SCHEMA_CONTRACT', 'evolve,customers=freeze,freeze')).toMatch(
      / \("customers=freeze": customers is not a source table; "freeze": only the first part goes without a table\)$/,
    );
  });

  it('reaches ingest from the environment lib/ writes, and the command line from DELIVERANCE_', () => {
    const env = {
      ...STACK_ENV,
      ...tuningEnvironment('ingest', { schemaContract: 'freeze,design=evolve' }),
    };
    const parsed = parseStageSettings('ingest', env);
    expect(parsed.ok && parsed.value.schemaContract).toEqual({
      default: 'freeze',
      tables: { design: 'evolve' },
    });
    expect(
      problemsOf(parseStageSettings('ingest', { ...STACK_ENV, SCHEMA_CONTRACT: 'x' })),
    ).toEqual([expect.stringMatching(/^SCHEMA_CONTRACT: "x" is not a policy/)]);
    expect(readSettings({ DELIVERANCE_SCHEMA_CONTRACT: 'payment=freeze' }).schemaContract).toEqual({
      default: 'evolve',
      tables: { payment: 'freeze' },
    });
    expect(() => readSettings({ DELIVERANCE_SCHEMA_CONTRACT: 'thaw' })).toThrow(
      /DELIVERANCE_SCHEMA_CONTRACT: "thaw" is not a policy/,
    );
  });
});

describe('the deletes schedule and guard settings', () => {
  it('are a value then per-table overrides, a cron expression keeping its own commas', () => {
    expect(parseDeletesSchedule('DELETES_SCHEDULE', undefined)).toEqual({
      default: 'rate(1 day)',
      tables: {},
    });
    expect(
      parseDeletesSchedule(
        'DELETES_SCHEDULE',
        'rate(7 days), payment=cron(0 2 ? * MON,THU *) ,staff=rate(1 hour)',
      ),
    ).toEqual({
      default: 'rate(7 days)',
      tables: { payment: 'cron(0 2 ? * MON,THU *)', staff: 'rate(1 hour)' },
    });
    const guard = parseDeletesGuard('DELETES_GUARD_PERCENT', '5,payment=20,staff=0');
    expect(guard).toEqual({ default: 5, tables: { payment: 20, staff: 0 } });
    expect(typeof guard !== 'string' && tableSetting(guard, 'payment')).toBe(20);
    expect(typeof guard !== 'string' && tableSetting(guard, 'design')).toBe(5);
  });

  it('refuse every part at fault in one message, naming the variable, the form and each reason', () => {
    const raw = 'rate(1 day),payment=cron(0 2 * * *),staff=rate(0 days)';
    expect(parseDeletesSchedule('DELETES_SCHEDULE', raw)).toBe(
      `DELETES_SCHEDULE: ${JSON.stringify(raw)} is not a schedule (cron(...) or rate(...)) then table=schedule overrides, e.g. "rate(1 day),payment=cron(0 2 * * ? *)" ("payment=cron(0 2 * * *)": expected 6 fields (minutes hours day-of-month month day-of-week year), got 5; "staff=rate(0 days)": a rate must be at least 1)`,
    );
    expect(parseDeletesGuard('DELETES_GUARD_PERCENT', '101,payment=-1')).toBe(
      'DELETES_GUARD_PERCENT: "101,payment=-1" is not a percentage then table=percentage overrides, e.g. "5,payment=20" ("101": a percentage is a whole number from 0 to 100; "payment=-1": a percentage is a whole number from 0 to 100)',
    );
    expect(parseDeletesGuard('DELETES_GUARD_PERCENT', 'payments=20')).toMatch(
      /^DELETES_GUARD_PERCENT: "payments=20" is not a percentage then/,
    );
  });

  it('refuse the one interval they replaced, still set, pointing at the schedule', () => {
    expect(
      parseDeletesSettings({ DELIVERANCE_DELETES_EVERY_SECONDS: '3600' }, 'DELIVERANCE_'),
    ).toEqual({
      ok: false,
      problems: [
        'DELIVERANCE_DELETES_EVERY_SECONDS is no longer read: set DELIVERANCE_DELETES_SCHEDULE instead (rate(N minutes), rate(N hours), rate(N days) or a cron(...) expression, per table if need be)',
      ],
    });
    expect(parseDeletesSettings({}, 'DELIVERANCE_').ok).toBe(true);
  });

  it('reach ingest from the environment lib/ writes, and the command line from DELIVERANCE_', () => {
    const env = {
      ...STACK_ENV,
      ...tuningEnvironment('ingest', {
        deletesSchedule: 'rate(1 day),payment=cron(0 2 * * ? *)',
        deletesGuardPercent: '5,payment=20',
      }),
    };
    const parsed = parseStageSettings('ingest', env);
    expect(parsed.ok && parsed.value.deletes).toEqual({
      schedule: { default: 'rate(1 day)', tables: { payment: 'cron(0 2 * * ? *)' } },
      guardPercent: { default: 5, tables: { payment: 20 } },
    });
    expect(
      problemsOf(
        parseStageSettings('ingest', {
          ...STACK_ENV,
          DELETES_SCHEDULE: 'daily',
          DELETES_GUARD_PERCENT: '150',
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^DELETES_SCHEDULE: "daily" is not a schedule/),
      expect.stringMatching(/^DELETES_GUARD_PERCENT: "150" is not a percentage/),
    ]);
    const cli = readSettings({
      DELIVERANCE_DELETES_SCHEDULE: 'payment=rate(2 days)',
      DELIVERANCE_DELETES_GUARD_PERCENT: '10',
    });
    expect(cli.deletesSchedule).toEqual({
      default: 'rate(1 day)',
      tables: { payment: 'rate(2 days)' },
    });
    expect(cli.deletesGuardPercent).toEqual({ default: 10, tables: {} });
    expect(() =>
      readSettings({
        DELIVERANCE_DELETES_SCHEDULE: 'cron(0 2 * * * *)',
        DELIVERANCE_DELETES_GUARD_PERCENT: 'x',
      }),
    ).toThrow(
      /^DELIVERANCE_DELETES_SCHEDULE: .*exactly one of day-of-month.*; DELIVERANCE_DELETES_GUARD_PERCENT: "x" is not a percentage/,
    );
  });
});
