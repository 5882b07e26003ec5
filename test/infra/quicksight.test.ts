import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../lib/pipeline-function';
import { FULL_CONTEXT, synthesize } from './support/synth';

/** The questions the dashboard must answer, one sheet each: written here, not read from lib/. */
const VIEW_NAMES = [
  'sales_by_month_country',
  'top_designs_by_revenue',
  'revenue_by_staff_department',
  'outstanding_payments_by_counterparty',
  'purchases_vs_sales_by_currency',
];
const SECRET = FULL_CONTEXT['deliverance:warehouseSecret'] as string;
const PRINCIPAL = 'arn:aws:quicksight:eu-west-2:123456789012:group/default/analysts';

let template: Template;

beforeAll(() => {
  expect(FULL_CONTEXT['deliverance:quickSightPrincipalArns']).toEqual([PRINCIPAL]);
  template = synthesize(FULL_CONTEXT).template;
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

const sqlColumns = (view: string) =>
  viewColumns(fs.readFileSync(path.join(PROJECT_ROOT, 'sql/views', `${view}.sql`), 'utf8'));

interface DataSetResource {
  Properties: {
    DataSetId: string;
    PhysicalTableMap: Record<
      string,
      { RelationalTable: { Name: string; InputColumns: { Name: string; Type: string }[] } }
    >;
  };
}

/** Every `{ DataSetIdentifier, ColumnName }` anywhere under `node`, with the path to it. */
function columnReferences(
  node: unknown,
  at = '',
): { at: string; dataSet: string; column: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => columnReferences(item, `${at}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const own =
    typeof record.ColumnName === 'string'
      ? [{ at, dataSet: String(record.DataSetIdentifier), column: record.ColumnName }]
      : [];
  return [
    ...own,
    ...Object.entries(record).flatMap(([key, value]) => columnReferences(value, `${at}.${key}`)),
  ];
}

function dashboardDefinition() {
  const dashboards = Object.values(template.findResources('AWS::QuickSight::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return (dashboards[0] as { Properties: { Definition: Record<string, unknown> } }).Properties
    .Definition as {
    DataSetIdentifierDeclarations: {
      Identifier: string;
      DataSetArn: { 'Fn::GetAtt': [string, string] };
    }[];
    Sheets: {
      SheetId: string;
      Visuals: Record<string, { VisualId: string; Title: { FormatText: { PlainText: string } } }>[];
      FilterControls: Record<string, { SourceFilterId: string; Type: string; Title: string }>[];
    }[];
    FilterGroups: {
      Filters: Record<string, { FilterId: string; Column: { ColumnName: string } }>[];
    }[];
    CalculatedFields: { DataSetIdentifier: string; Name: string; Expression: string }[];
  };
}

/** The columns a QuickSight expression reads: `{name}`. */
const expressionColumns = (expression: string) =>
  [...expression.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);

interface FieldWells {
  Category: { CategoricalDimensionField?: { Column: { ColumnName: string } } }[];
  Colors?: { CategoricalDimensionField: { Column: { ColumnName: string } } }[];
  SmallMultiples?: { CategoricalDimensionField: { Column: { ColumnName: string } } }[];
}

/** The chart of a view's sheet, its kind and configuration. */
function chartOf(view: string) {
  const sheet = dashboardDefinition().Sheets.find((s) => s.SheetId === view.replace(/_/g, '-'));
  const [kind, visual] = Object.entries(sheet!.Visuals[0]!)[0]! as unknown as [
    string,
    { ChartConfiguration: Record<string, unknown> & { FieldWells: Record<string, FieldWells> } },
  ];
  const config = visual.ChartConfiguration;
  const wells = Object.values(config.FieldWells)[0]!;
  return { kind, config, wells };
}

/** The columns of the view a field stands for: itself, or those its calculation reads. */
function columnsOf(view: string, field: string): string[] {
  const calculated = dashboardDefinition().CalculatedFields.find(
    (c) => c.DataSetIdentifier === view && c.Name === field,
  );
  return calculated ? expressionColumns(calculated.Expression) : [field];
}

it('is off by default', () => {
  const { template: dev } = synthesize();
  dev.resourceCountIs('AWS::QuickSight::DataSource', 0);
  dev.resourceCountIs('AWS::QuickSight::DataSet', 0);
  dev.resourceCountIs('AWS::QuickSight::Dashboard', 0);
  dev.resourceCountIs('AWS::SecretsManager::Secret', 0);
});

describe('the analyst secret', () => {
  it('holds a generated password for the role the warehouse migration creates', () => {
    const migration = fs.readFileSync(
      path.join(PROJECT_ROOT, 'sql/warehouse/0004_analyst_role.sql'),
      'utf8',
    );
    const role = /CREATE ROLE (\w+) NOLOGIN/.exec(migration)?.[1];
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ username: role }),
        GenerateStringKey: 'password',
      },
    });
  });

  it('is what QuickSight logs in with, the warehouse secret only telling where', () => {
    const secret = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0]!;
    template.resourceCountIs('AWS::QuickSight::DataSource', 1);
    template.hasResourceProperties('AWS::QuickSight::DataSource', {
      AwsAccountId: { Ref: 'AWS::AccountId' },
      DataSourceId: 'deliverance-prod-warehouse',
      Type: 'POSTGRESQL',
      Credentials: { SecretArn: { Ref: secret } },
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
    });
  });

  it('is read by the load function, which sets the role to its password', () => {
    const secret = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0]!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ANALYST_SECRET_ID: { Ref: secret } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:GetSecretValue',
            Resource: Match.arrayWith([{ Ref: secret }]),
          }),
        ]),
      },
    });
  });
});

describe('the warehouse the data source connects to', () => {
  it('is prepared by the deploy before the data source is created and tests its connection', () => {
    const schema = Object.keys(template.findResources('Custom::WarehouseSchema'));
    expect(schema).toHaveLength(1);
    const dataSources = Object.values(template.findResources('AWS::QuickSight::DataSource'));
    expect(dataSources).toHaveLength(1);
    expect((dataSources[0] as { DependsOn?: string[] }).DependsOn).toContain(schema[0]);
  });

  it('gets the analyst login from the preparation, which runs again when the secret changes', () => {
    const secret = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0]!;
    template.hasResourceProperties('Custom::WarehouseSchema', {
      AnalystSecret: { Ref: secret },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.prepareHandler',
      Environment: { Variables: Match.objectLike({ ANALYST_SECRET_ID: { Ref: secret } }) },
    });
    const { template: dev } = synthesize();
    const [schema] = Object.values(dev.findResources('Custom::WarehouseSchema')) as {
      Properties: Record<string, unknown>;
    }[];
    expect(schema?.Properties.AnalystSecret).toBeUndefined();
  });
});

describe('the data sets', () => {
  it('are one direct-query data set per analyst view in the analytics schema', () => {
    const dataSource = Object.keys(template.findResources('AWS::QuickSight::DataSource'))[0];
    template.resourceCountIs('AWS::QuickSight::DataSet', VIEW_NAMES.length);
    for (const view of VIEW_NAMES) {
      const slug = view.replace(/_/g, '-');
      template.hasResourceProperties('AWS::QuickSight::DataSet', {
        DataSetId: `deliverance-prod-${slug}`,
        ImportMode: 'DIRECT_QUERY',
        PhysicalTableMap: {
          [slug]: {
            RelationalTable: {
              DataSourceArn: { 'Fn::GetAtt': [dataSource, 'Arn'] },
              Schema: 'analytics',
              Name: view,
            },
          },
        },
      });
    }
  });

  it.each(VIEW_NAMES)('declare the columns sql/views/%s.sql selects, in its order', (view) => {
    const dataSets = Object.values(
      template.findResources('AWS::QuickSight::DataSet'),
    ) as DataSetResource[];
    const tables = dataSets.flatMap((d) => Object.values(d.Properties.PhysicalTableMap));
    const table = tables.find((t) => t.RelationalTable.Name === view);
    // Their types are checked against the warehouse itself in test/integration/views.test.ts.
    expect(table?.RelationalTable.InputColumns.map((c) => c.Name)).toEqual(sqlColumns(view));
  });
});

describe('the dashboard', () => {
  it('has one sheet per view, each with a titled chart and table', () => {
    const definition = dashboardDefinition();
    expect(definition.Sheets.map((s) => s.SheetId)).toEqual(
      VIEW_NAMES.map((v) => v.replace(/_/g, '-')),
    );
    for (const sheet of definition.Sheets) {
      const visuals = sheet.Visuals.map((v) => Object.entries(v)[0]!);
      expect(visuals.map(([kind]) => kind)).toEqual([
        expect.stringMatching(/^(LineChart|BarChart)Visual$/),
        'TableVisual',
      ]);
      for (const [, visual] of visuals) expect(visual.Title.FormatText.PlainText).not.toBe('');
    }
  });

  it("reads only declared data sets of this stack, and only columns of each view's SQL", () => {
    const definition = dashboardDefinition();
    const dataSets = template.findResources('AWS::QuickSight::DataSet') as Record<
      string,
      DataSetResource
    >;
    const viewOf = new Map(
      definition.DataSetIdentifierDeclarations.map((d) => {
        const resource = dataSets[d.DataSetArn['Fn::GetAtt'][0]];
        expect({ identifier: d.Identifier, exists: resource !== undefined }).toEqual({
          identifier: d.Identifier,
          exists: true,
        });
        const tables = Object.values(resource!.Properties.PhysicalTableMap);
        return [d.Identifier, tables[0]!.RelationalTable.Name] as const;
      }),
    );
    expect([...viewOf.values()].sort()).toEqual([...VIEW_NAMES].sort());
    const references = columnReferences(definition);
    expect(references.length).toBeGreaterThan(VIEW_NAMES.length * 4);
    const unknown = references.filter(({ dataSet, column }) => {
      const view = viewOf.get(dataSet);
      return (
        view === undefined || !columnsOf(dataSet, column).every((c) => sqlColumns(view).includes(c))
      );
    });
    expect(unknown).toEqual([]);
    for (const field of definition.CalculatedFields) {
      expect(expressionColumns(field.Expression).length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['top_designs_by_revenue', ['design_id', 'design_name']],
    ['revenue_by_staff_department', ['department_name', 'location']],
    ['outstanding_payments_by_counterparty', ['counterparty_id', 'counterparty_legal_name']],
  ])('groups the bars of %s by their key, never by a name alone', (view, key) => {
    const { kind, wells } = chartOf(view);
    expect(kind).toBe('BarChartVisual');
    const category = wells.Category[0]!.CategoricalDimensionField!.Column.ColumnName;
    expect([...new Set(columnsOf(view, category))].sort()).toEqual([...key].sort());
  });

  it('draws the top ten designs as ten bars at most, the rank keeping ties apart', () => {
    const { config } = chartOf('top_designs_by_revenue');
    expect(config.SortConfiguration).toMatchObject({
      CategoryItemsLimit: { ItemsLimit: 10, OtherCategories: 'EXCLUDE' },
    });
    const filters = dashboardDefinition()
      .FilterGroups.flatMap((g) => g.Filters)
      .flatMap((f) => Object.entries(f))
      .filter(([, filter]) => filter.Column.ColumnName === 'revenue_rank');
    expect(filters).toEqual([
      [
        'NumericRangeFilter',
        expect.objectContaining({ RangeMaximum: { StaticValue: 10 }, IncludeMaximum: true }),
      ],
    ]);
    const sql = fs.readFileSync(
      path.join(PROJECT_ROOT, 'sql/views/top_designs_by_revenue.sql'),
      'utf8',
    );
    expect(sql).toMatch(
      /row_number\(\) OVER \(PARTITION BY g.currency_code ORDER BY g.revenue DESC, g.design_id\)/,
    );
  });

  it('gives every currency its own value axis', () => {
    const definition = dashboardDefinition();
    for (const view of VIEW_NAMES) {
      const { wells, config } = chartOf(view);
      const sheet = definition.Sheets.find((s) => s.SheetId === view.replace(/_/g, '-'))!;
      const currency = Object.values(sheet.FilterControls[0]!)[0]!;
      const smallMultiples = wells.SmallMultiples?.map(
        (m) => m.CategoricalDimensionField.Column.ColumnName,
      );
      // Either one currency at a time, or one small chart per currency with its own scale.
      expect({
        view,
        axes:
          currency.Type === 'SINGLE_SELECT' ||
          (smallMultiples?.[0] === 'currency_code' &&
            (config.SmallMultiplesOptions as { XAxis: { Scale: string } }).XAxis.Scale ===
              'INDEPENDENT'),
      }).toEqual({ view, axes: true });
    }
    expect(chartOf('purchases_vs_sales_by_currency').wells.SmallMultiples).toHaveLength(1);
  });

  it('shows a month without sales as a gap on the time axis', () => {
    const { kind, config } = chartOf('sales_by_month_country');
    expect(kind).toBe('LineChartVisual');
    expect(config.XAxisDisplayOptions).toEqual({
      DataOptions: { DateAxisOptions: { MissingDateVisibility: 'VISIBLE' } },
    });
  });

  it('names payment types in the legend rather than by their codes', () => {
    const view = 'outstanding_payments_by_counterparty';
    const colour = chartOf(view).wells.Colors![0]!.CategoricalDimensionField.Column.ColumnName;
    expect(columnsOf(view, colour)).toContain('payment_type_name');
    const expression = dashboardDefinition().CalculatedFields.find(
      (c) => c.DataSetIdentifier === view && c.Name === colour,
    )?.Expression;
    expect(expression).toContain(
      "{payment_type_name} = 'SALES_RECEIPT', 'Sales receipt (owed to us)'",
    );
  });

  it('has a currency control on every sheet and a date-range control where there are dates', () => {
    const definition = dashboardDefinition();
    const filters = new Map(
      definition.FilterGroups.flatMap((g) => g.Filters).flatMap((f) =>
        Object.entries(f).map(([kind, filter]) => [filter.FilterId, { kind, filter }] as const),
      ),
    );
    const controls = definition.Sheets.map((sheet) =>
      sheet.FilterControls.map((control) => {
        const [kind, { SourceFilterId, Title }] = Object.entries(control)[0]!;
        const source = filters.get(SourceFilterId);
        return `${Title}: ${kind} on ${source?.kind} of ${source?.filter.Column.ColumnName}`;
      }),
    );
    for (const sheet of controls) {
      expect(sheet).toContain('Currency: Dropdown on CategoryFilter of currency_code');
    }
    expect(controls[0]).toContain('Date range: DateTimePicker on TimeRangeFilter of month');
  });
});

it('shares the data source, data sets and dashboard with the configured principal only', () => {
  const types = [
    'AWS::QuickSight::DataSource',
    'AWS::QuickSight::DataSet',
    'AWS::QuickSight::Dashboard',
  ];
  const principals = types.flatMap((type) =>
    Object.values(template.findResources(type)).flatMap(
      (r) =>
        (
          r as { Properties: { Permissions?: { Principal: string }[] } }
        ).Properties.Permissions?.map((p) => `${type} ${p.Principal}`) ?? [
          `${type} without permissions`,
        ],
    ),
  );
  expect(new Set(principals)).toEqual(new Set(types.map((type) => `${type} ${PRINCIPAL}`)));
  template.hasResourceProperties('AWS::QuickSight::Dashboard', {
    Permissions: [
      {
        Principal: PRINCIPAL,
        Actions: Match.arrayWith(['quicksight:DescribeDashboard', 'quicksight:QueryDashboard']),
      },
    ],
  });
});
