import { Duration } from 'aws-cdk-lib';
import {
  ConfigError,
  DEFAULTS,
  ingestSchedules,
  readConfig,
  SIZE_CLASSES,
  type DeliveranceConfig,
} from '../../lib/config';
import { SOURCE_TABLES } from '../../contract/pipeline-tables';
import { regionNotice } from '../../lib/deploy-region';
import { validateScheduleExpression } from '../../contract/schedule-expression';
import { cdkJsonContext } from './support/synth';

const context = (values: Record<string, unknown>) => ({
  tryGetContext: (key: string) => values[key],
});

function problemsOf(values: Record<string, unknown>): readonly string[] {
  try {
    readConfig(context(values));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('readConfig', () => {
  it('gives a working dev configuration with no context at all', () => {
    const config = readConfig(context({}));
    expect(config).toMatchObject({
      environment: 'dev',
      ingestSchedule: 'cron(0/5 * * * ? *)',
      overlapSeconds: 300,
      watermarkParameterPrefix: '/deliverance/dev',
      adminEmails: [],
      sourceSecret: 'deliverance/totesys',
      warehouseSecret: 'deliverance/warehouse',
      freshnessThresholdSeconds: 1800,
    });
    expect(config.network).toBeUndefined();
    expect(config.quickSight).toBeUndefined();
  });

  it('accepts the context cdk.json ships', () => {
    expect(() => readConfig(context(cdkJsonContext()))).not.toThrow();
  });

  it('reads lists and maps given as -c strings', () => {
    const config = readConfig(
      context({
        'deliverance:adminEmails': 'a@example.com, b@example.com',
        'deliverance:lambdaSize': '{"load":"large"}',
        'deliverance:tableSchedules': '{"payment":"rate(1 minute)"}',
        'deliverance:overlapSeconds': '600',
      }),
    );
    expect(config.adminEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(config.lambdaSizes).toEqual({ ingest: 'medium', transform: 'large', load: 'large' });
    expect(config.tableSchedules).toEqual({ payment: 'rate(1 minute)' });
    expect(config.overlapSeconds).toBe(600);
  });

  it('refuses the deletes interval the per-table schedules replaced, pointing at them', () => {
    expect(problemsOf({ 'deliverance:deletesEverySeconds': 3600 })).toEqual([
      expect.stringMatching(
        /^deliverance:deletesEverySeconds: is no longer read: set deliverance:deletesSchedule instead \(rate\(N minutes\)/,
      ),
    ]);
  });

  it('refuses a cron expression with five fields, naming the key and the reason', () => {
    expect(problemsOf({ 'deliverance:ingestSchedule': 'cron(*/5 * * * *)' })).toEqual([
      expect.stringMatching(/deliverance:ingestSchedule: .*expected 6 fields.*got 5/),
    ]);
  });

  it('reads the deletes schedule and guard, each a value then per-table overrides, and lists every problem', () => {
    expect(readConfig(context({}))).toMatchObject({
      deletesSchedule: 'rate(1 day)',
      deletesGuardPercent: '5',
    });
    expect(
      readConfig(
        context({
          'deliverance:deletesSchedule': 'rate(1 day),payment=cron(0 2 ? * MON,THU *)',
          'deliverance:deletesGuardPercent': 10,
        }),
      ),
    ).toMatchObject({
      deletesSchedule: 'rate(1 day),payment=cron(0 2 ? * MON,THU *)',
      deletesGuardPercent: '10',
    });
    expect(
      problemsOf({
        'deliverance:deletesSchedule': 'rate(1 day),payments=rate(2 days),staff=cron(0 2 * * * *)',
        'deliverance:deletesGuardPercent': '5,payment=120',
      }),
    ).toEqual([
      expect.stringMatching(
        /^deliverance:deletesSchedule: ".*" is not a schedule .* \("payments=rate\(2 days\)": payments is not a source table; "staff=cron\(0 2 \* \* \* \*\)": exactly one of day-of-month and day-of-week must be "\?"\)$/,
      ),
      expect.stringMatching(
        /^deliverance:deletesGuardPercent: "5,payment=120" is not a percentage .* \("payment=120": a percentage is a whole number from 0 to 100\)$/,
      ),
    ]);
  });

  it('refuses a per-table schedule for a table totesys does not have', () => {
    expect(problemsOf({ 'deliverance:tableSchedules': { payments: 'rate(5 minutes)' } })).toEqual([
      expect.stringMatching(/"payments" is not a totesys table/),
    ]);
  });

  it('refuses a per-table schedule that is not a valid expression', () => {
    expect(problemsOf({ 'deliverance:tableSchedules': { payment: 'cron(0 3 * * * *)' } })).toEqual([
      expect.stringMatching(/tableSchedules\.payment: .*exactly one of day-of-month/),
    ]);
  });

  it('refuses an unknown size class and an unknown stage', () => {
    expect(problemsOf({ 'deliverance:lambdaSize': { ingest: 'huge', extract: 'small' } })).toEqual([
      expect.stringMatching(
        /lambdaSize\.ingest: "huge" is not a size class; use small, medium, large, xlarge/,
      ),
      expect.stringMatching(/lambdaSize: "extract" is not a stage/),
    ]);
  });

  it('refuses an address that is not an e-mail address', () => {
    expect(
      problemsOf({ 'deliverance:adminEmails': ['ops@example.com', 'ops.example.com'] }),
    ).toEqual([expect.stringMatching(/adminEmails: "ops.example.com" is not an e-mail address/)]);
  });

  it('refuses any environment but dev without an alarm recipient, naming the environment', () => {
    expect(problemsOf({ 'deliverance:environment': 'prod' })).toEqual([
      expect.stringMatching(
        /^deliverance:adminEmails: the prod stack needs at least one alarm recipient, e\.g\. -c/,
      ),
    ]);
    expect(
      problemsOf({ 'deliverance:environment': 'staging', 'deliverance:adminEmails': '' }),
    ).toHaveLength(1);
    expect(
      problemsOf({ 'deliverance:environment': 'prod', 'deliverance:adminEmails': 'a@example.com' }),
    ).toEqual([]);
    expect(problemsOf({ 'deliverance:environment': 'dev' })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      'deliverance:environment': 'Prod!',
      'deliverance:overlapSeconds': -1,
      'deliverance:watermarkParameterPrefix': 'deliverance/prod/',
      'deliverance:logRetentionDays': 31,
      'deliverance:landingTransitionDays': 7,
      'deliverance:sourceSecret': '{"password":"hunter2"}',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/sourceSecret: .* is not a Secrets Manager secret name/);
    expect(() => readConfig(context({ 'deliverance:overlapSeconds': 'soon' }))).toThrow(
      /Invalid Deliverance configuration[\s\S]*overlapSeconds: "soon" must be a whole number/,
    );
  });
});

describe('readConfig: the network, the databases and QuickSight', () => {
  it('needs subnets with a VPC, and a VPC with subnets', () => {
    expect(problemsOf({ 'deliverance:vpcId': 'vpc-0123456789abcdef0' })).toEqual([
      expect.stringMatching(/subnetIds: list the private subnets/),
    ]);
    expect(problemsOf({ 'deliverance:subnetIds': ['subnet-0123456789abcdef0'] })).toEqual([
      expect.stringMatching(/vpcId: must be set/),
    ]);
  });

  it('reports rows stamped more than 5 minutes past the source clock, or as configured', () => {
    expect(readConfig(context({})).futureToleranceSeconds).toBe(300);
    expect(
      readConfig(context({ 'deliverance:futureToleranceSeconds': '3600' })).futureToleranceSeconds,
    ).toBe(3600);
    expect(problemsOf({ 'deliverance:futureToleranceSeconds': -1 })).toEqual([
      expect.stringMatching(/futureToleranceSeconds: -1 must be a whole number from 0 to 86400/),
    ]);
  });

  it('keeps new source columns in landing by default, or as each table is configured', () => {
    expect(readConfig(context({})).schemaContract).toBe('evolve');
    expect(
      readConfig(context({ 'deliverance:schemaContract': 'evolve,payment=freeze' })).schemaContract,
    ).toBe('evolve,payment=freeze');
    expect(problemsOf({ 'deliverance:schemaContract': 'payment=thaw' })).toEqual([
      expect.stringMatching(/schemaContract: "payment=thaw" must be a policy \(evolve or freeze\)/),
    ]);
  });

  it('creates VPC endpoints only inside a VPC, and takes route tables only for them', () => {
    const vpc = {
      'deliverance:vpcId': 'vpc-0123456789abcdef0',
      'deliverance:subnetIds': ['subnet-0123456789abcdef0'],
    };
    expect(readConfig(context(vpc)).network).toMatchObject({
      vpcEndpoints: false,
      routeTableIds: [],
    });
    expect(
      readConfig(
        context({
          ...vpc,
          'deliverance:vpcEndpoints': 'true',
          'deliverance:routeTableIds': 'rtb-0123456789abcdef0',
        }),
      ).network,
    ).toMatchObject({ vpcEndpoints: true, routeTableIds: ['rtb-0123456789abcdef0'] });
    expect(problemsOf({ 'deliverance:vpcEndpoints': true })).toEqual([
      expect.stringMatching(/vpcId: must be set when .*vpcEndpoints/),
    ]);
    expect(
      problemsOf({
        ...vpc,
        'deliverance:vpcEndpoints': 'yes',
        'deliverance:routeTableIds': ['rtb-0123456789abcdef0', 'main'],
      }),
    ).toEqual([
      expect.stringMatching(/vpcEndpoints: "yes" must be true or false/),
      expect.stringMatching(/routeTableIds: "main" is not a route table id/),
      expect.stringMatching(/routeTableIds: only used for the S3 gateway endpoint/),
    ]);
  });

  it('needs a VPC connection, a complete secret ARN and a principal for QuickSight', () => {
    expect(problemsOf({ 'deliverance:quickSight': true })).toEqual([
      expect.stringMatching(/quickSightVpcConnectionArn: required/),
      expect.stringMatching(/warehouseSecret: QuickSight needs the secret's complete ARN/),
      expect.stringMatching(/quickSightPrincipalArns: name the QuickSight group or user/),
    ]);
  });

  it('reads the database endpoints, each only when set', () => {
    const config = readConfig(
      context({
        'deliverance:sourceHost': 'totesys.abc123.eu-west-2.rds.amazonaws.com',
        'deliverance:sourcePort': '6543',
        'deliverance:sourceDatabase': '',
        'deliverance:warehouseDatabase': 'warehouse',
      }),
    );
    expect(config.sourceEndpoint).toStrictEqual({
      host: 'totesys.abc123.eu-west-2.rds.amazonaws.com',
      port: 6543,
    });
    expect(config.warehouseEndpoint).toStrictEqual({ database: 'warehouse' });
    expect(readConfig(context({})).sourceEndpoint).toStrictEqual({});
  });

  it('takes the secret RDS manages for a master user, by name or by ARN', () => {
    const arn =
      'arn:aws:secretsmanager:eu-west-2:123456789012:secret:rds!db-0a1b2c3d-4e5f-6789-abcd-ef0123456789-AbCdEf';
    const config = readConfig(
      context({
        'deliverance:sourceSecret': arn,
        'deliverance:warehouseSecret': 'rds!db-0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      }),
    );
    expect([config.sourceSecret, config.warehouseSecret]).toEqual([
      arn,
      'rds!db-0a1b2c3d-4e5f-6789-abcd-ef0123456789',
    ]);
  });

  it('refuses a host, port or database name that cannot be one', () => {
    expect(
      problemsOf({
        'deliverance:sourceHost': 'postgres://totesys:5432',
        'deliverance:warehousePort': 70_000,
        'deliverance:warehouseDatabase': 'my warehouse',
      }),
    ).toEqual([
      expect.stringMatching(/^deliverance:sourceHost: .* is not a host name or IPv4 address/),
      expect.stringMatching(/^deliverance:warehousePort: 70000 must be a whole number from 1/),
      expect.stringMatching(
        /^deliverance:warehouseDatabase: "my warehouse" is not a database name/,
      ),
    ]);
  });

  it('takes a KMS key ARN per secret, and refuses an alias or a key of another region', () => {
    const key = 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const config = readConfig(context({ 'deliverance:warehouseSecretKmsKeyArn': key }));
    expect(config.warehouseSecretKmsKeyArn).toBe(key);
    expect(config.sourceSecretKmsKeyArn).toBeUndefined();
    expect(
      problemsOf({
        'deliverance:sourceSecretKmsKeyArn': 'arn:aws:kms:eu-west-2:123456789012:alias/totesys',
        'deliverance:warehouseSecret':
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:deliverance/warehouse-GhIjKl',
        'deliverance:warehouseSecretKmsKeyArn': key,
      }),
    ).toEqual([
      expect.stringMatching(/^deliverance:sourceSecretKmsKeyArn: .* is not a KMS key ARN .*alias/),
      expect.stringMatching(
        /^deliverance:warehouseSecretKmsKeyArn: .* is in eu-west-2, but the secret is in eu-west-1/,
      ),
    ]);
  });

  it("gives QuickSight the warehouse endpoint the context sets, and the secret's otherwise", () => {
    const quickSight = {
      'deliverance:quickSight': true,
      'deliverance:quickSightVpcConnectionArn':
        'arn:aws:quicksight:eu-west-2:123456789012:vpcConnection/deliverance-warehouse',
      'deliverance:quickSightPrincipalArns': [
        'arn:aws:quicksight:eu-west-2:123456789012:group/default/analysts',
      ],
      'deliverance:warehouseSecret':
        'arn:aws:secretsmanager:eu-west-2:123456789012:secret:deliverance/warehouse-GhIjKl',
    };
    expect(readConfig(context(quickSight)).quickSight).toStrictEqual({
      vpcConnectionArn: quickSight['deliverance:quickSightVpcConnectionArn'],
      port: 5432,
      principalArns: quickSight['deliverance:quickSightPrincipalArns'],
    });
    expect(
      readConfig(
        context({
          ...quickSight,
          'deliverance:warehouseHost': 'warehouse.example',
          'deliverance:warehousePort': 6543,
          'deliverance:warehouseDatabase': 'dw',
        }),
      ).quickSight,
    ).toMatchObject({ host: 'warehouse.example', port: 6543, database: 'dw' });
  });

  it('maps size classes to memory and timeout', () => {
    expect(SIZE_CLASSES.small).toEqual({ memorySize: 512, timeout: Duration.minutes(2) });
    expect(SIZE_CLASSES.large.timeout.toSeconds()).toBe(900);
    expect(DEFAULTS.lambdaSizes).toEqual({ ingest: 'medium', transform: 'large', load: 'medium' });
  });
});

describe('regionNotice', () => {
  it('says nothing when AWS_REGION or AWS_DEFAULT_REGION chose the region', () => {
    expect(
      regionNotice({ AWS_REGION: 'eu-west-2', CDK_DEFAULT_REGION: 'eu-west-2' }),
    ).toBeUndefined();
    expect(regionNotice({ AWS_DEFAULT_REGION: 'eu-west-2' })).toBeUndefined();
  });

  it("names the CDK CLI's region when nobody chose one", () => {
    expect(regionNotice({ CDK_DEFAULT_REGION: 'us-east-1' })).toMatch(
      /^No AWS_REGION is set: this stack deploys to us-east-1, the CDK CLI's region/,
    );
  });

  it('says where an environment-agnostic stack goes', () => {
    expect(regionNotice({})).toMatch(
      /environment-agnostic and goes to the region of the cdk deploy .*else us-east-1/,
    );
  });
});

describe('ingestSchedules', () => {
  const base = readConfig(context({}));
  const withOverrides = (tableSchedules: Record<string, string>): DeliveranceConfig => ({
    ...base,
    tableSchedules,
  });

  it('is one schedule for every table when nothing is overridden', () => {
    expect(ingestSchedules(base)).toEqual([{ expression: 'cron(0/5 * * * ? *)' }]);
  });

  it('groups overridden tables by expression and gives the default schedule the rest', () => {
    const schedules = ingestSchedules(
      withOverrides({
        payment: 'rate(1 minute)',
        transaction: 'rate(1 minute)',
        currency: 'cron(0 3 * * ? *)',
      }),
    );
    expect(schedules).toEqual([
      { expression: 'rate(1 minute)', tables: ['payment', 'transaction'] },
      { expression: 'cron(0 3 * * ? *)', tables: ['currency'] },
      {
        expression: 'cron(0/5 * * * ? *)',
        tables: SOURCE_TABLES.filter((t) => !['payment', 'transaction', 'currency'].includes(t)),
      },
    ]);
  });

  it('treats an override equal to the default as no override', () => {
    expect(ingestSchedules(withOverrides({ payment: base.ingestSchedule }))).toEqual([
      { expression: base.ingestSchedule },
    ]);
  });

  it('has no default schedule when every table has its own', () => {
    const all = Object.fromEntries(SOURCE_TABLES.map((t) => [t, 'rate(1 hour)']));
    expect(ingestSchedules(withOverrides(all))).toEqual([
      { expression: 'rate(1 hour)', tables: [...SOURCE_TABLES].sort() },
    ]);
  });
});

describe('validateScheduleExpression', () => {
  it.each([
    'cron(0/5 * * * ? *)',
    'cron(15 10 ? * MON-FRI *)',
    'cron(0 18 L * ? *)',
    'cron(0 8 ? * 2#1 2026-2030)',
    'cron(0,30 9-17 1,15 JAN,JUL ? *)',
    'rate(1 minute)',
    'rate(10 minutes)',
  ])('accepts %s', (expression) => {
    expect(validateScheduleExpression(expression)).toBeUndefined();
  });

  it.each([
    ['*/5 * * * *', /expected "cron/],
    ['cron(60 * * * ? *)', /minutes field "60"/],
    ['cron(0 24 * * ? *)', /hours field "24"/],
    ['cron(0 0 * 13 ? *)', /month field "13"/],
    ['cron(0 0 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 0 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(? 0 * * ? *)', /only in the day fields/],
    ['cron(0 0 * * ? 1900)', /year field "1900"/],
    ['rate(1 minutes)', /write "rate\(1 minute\)"/],
    ['rate(5 minute)', /write "rate\(5 minutes\)"/],
    ['rate(0 minutes)', /at least 1/],
  ])('refuses %s', (expression, reason) => {
    expect(validateScheduleExpression(expression)).toMatch(reason);
  });
});
