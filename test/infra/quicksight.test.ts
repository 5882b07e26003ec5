import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ANALYST_VIEWS } from '../../lib/analyst-views';
import { PROJECT_ROOT } from '../../lib/pipeline-function';
import { FULL_CONTEXT, synthesize } from './support/synth';

const VIEW_NAMES = [
  'sales_by_month_country',
  'top_designs_by_revenue',
  'revenue_by_staff_department',
  'outstanding_payments_by_counterparty',
  'purchases_vs_sales_by_currency',
];
const SECRET = FULL_CONTEXT['deliverance:warehouseSecret'] as string;

let template: Template;

beforeAll(() => {
  template = synthesize(FULL_CONTEXT).template;
});

it('is off by default', () => {
  const { template: dev } = synthesize();
  dev.resourceCountIs('AWS::QuickSight::DataSource', 0);
  dev.resourceCountIs('AWS::QuickSight::DataSet', 0);
});

it('reads the warehouse through the VPC connection with the secret, never a plain value', () => {
  template.resourceCountIs('AWS::QuickSight::DataSource', 1);
  template.hasResourceProperties('AWS::QuickSight::DataSource', {
    AwsAccountId: { Ref: 'AWS::AccountId' },
    DataSourceId: 'deliverance-prod-warehouse',
    Type: 'POSTGRESQL',
    Credentials: { SecretArn: SECRET },
    DataSourceParameters: {
      PostgreSqlParameters: {
        Host: `{{resolve:secretsmanager:${SECRET}:SecretString:host::}}`,
        Database: `{{resolve:secretsmanager:${SECRET}:SecretString:dbname::}}`,
        Port: 5432,
      },
    },
    VpcConnectionProperties: {
      VpcConnectionArn: FULL_CONTEXT['deliverance:quickSightVpcConnectionArn'],
    },
    SslProperties: { DisableSsl: false },
    Permissions: [
      {
        Principal: 'arn:aws:quicksight:eu-west-2:123456789012:group/default/analysts',
        Actions: Match.arrayWith(['quicksight:DescribeDataSource', 'quicksight:PassDataSource']),
      },
    ],
  });
});

it('has one direct-query data set per analyst view in the analytics schema', () => {
  expect(ANALYST_VIEWS.map((v) => v.name)).toEqual(VIEW_NAMES);
  template.resourceCountIs('AWS::QuickSight::DataSet', VIEW_NAMES.length);
  const dataSource = Object.keys(template.findResources('AWS::QuickSight::DataSource'))[0];
  for (const view of ANALYST_VIEWS) {
    const slug = view.name.replace(/_/g, '-');
    template.hasResourceProperties('AWS::QuickSight::DataSet', {
      DataSetId: `deliverance-prod-${slug}`,
      ImportMode: 'DIRECT_QUERY',
      PhysicalTableMap: {
        [slug]: {
          RelationalTable: {
            DataSourceArn: { 'Fn::GetAtt': [dataSource, 'Arn'] },
            Schema: 'analytics',
            Name: view.name,
            InputColumns: Object.entries(view.columns).map(([Name, Type]) => ({ Name, Type })),
          },
        },
      },
      Permissions: [Match.objectLike({ Actions: Match.arrayWith(['quicksight:PassDataSet']) })],
    });
  }
});

/** The output column names of a `CREATE VIEW … AS` file: the select list outside parentheses. */
function viewColumns(sql: string): string[] {
  const body = sql.replace(/--.*$/gm, '');
  const items: string[] = [];
  let depth = 0;
  let current: string | undefined;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i] as string;
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    const word = (w: string) => depth === 0 && new RegExp(`^\\b${w}\\b`, 'i').test(body.slice(i));
    if (current === undefined) {
      if (word('SELECT') && !/\w/.test(body[i - 1] ?? '')) {
        current = '';
        i += 'SELECT'.length - 1;
      }
      continue;
    }
    if (word('FROM') && /\s/.test(body[i - 1] ?? '')) break;
    if (char === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += char;
  }
  items.push(current ?? '');
  return items.map((item) => {
    const alias = /\bAS\s+(\w+)\s*$/i.exec(item.trim());
    return alias?.[1] ?? (item.trim().split('.').pop() as string);
  });
}

it.each(ANALYST_VIEWS.map((v) => [v.name, v]))(
  'declares the columns sql/views/%s.sql selects',
  (name, view) => {
    const sql = fs.readFileSync(path.join(PROJECT_ROOT, 'sql/views', `${name}.sql`), 'utf8');
    expect(Object.keys(view.columns)).toEqual(viewColumns(sql));
  },
);
