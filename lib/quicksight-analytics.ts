import { Stack } from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ANALYST_VIEWS, ANALYTICS_SCHEMA } from './analyst-views';

export interface QuickSightAnalyticsProps {
  /** Prefix of the data source and data set ids, e.g. `deliverance-prod`. */
  readonly namePrefix: string;
  /**
   * The warehouse secret, imported by its complete ARN (QuickSight accepts nothing else). Its
   * `username`/`password` are QuickSight's credentials; `host`/`dbname` are read from it at
   * deploy time by dynamic reference, so no value appears in the template.
   */
  readonly warehouseSecret: secretsmanager.ISecret;
  /** QuickSight VPC connection that reaches the warehouse. */
  readonly vpcConnectionArn: string;
  /** @default 5432 */
  readonly port?: number;
  /** QuickSight users or groups who own the data source and data sets. @default - none */
  readonly principalArns?: readonly string[];
}

const DATA_SOURCE_OWNER_ACTIONS = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
  'quicksight:UpdateDataSource',
  'quicksight:DeleteDataSource',
  'quicksight:UpdateDataSourcePermissions',
];

const DATA_SET_OWNER_ACTIONS = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
  'quicksight:UpdateDataSet',
  'quicksight:DeleteDataSet',
  'quicksight:CreateIngestion',
  'quicksight:CancelIngestion',
  'quicksight:UpdateDataSetPermissions',
];

/**
 * The warehouse as a QuickSight data source and one data set per analyst view. Data sets use
 * direct query: the views are small aggregates and need no SPICE capacity to stay current.
 */
export class QuickSightAnalytics extends Construct {
  public readonly dataSource: quicksight.CfnDataSource;
  public readonly dataSets: quicksight.CfnDataSet[];

  constructor(scope: Construct, id: string, props: QuickSightAnalyticsProps) {
    super(scope, id);
    const awsAccountId = Stack.of(this).account;
    const owners = (actions: string[]) =>
      props.principalArns?.length
        ? props.principalArns.map((principal) => ({ principal, actions }))
        : undefined;

    this.dataSource = new quicksight.CfnDataSource(this, 'Warehouse', {
      awsAccountId,
      dataSourceId: `${props.namePrefix}-warehouse`,
      name: `Deliverance warehouse (${props.namePrefix})`,
      type: 'POSTGRESQL',
      dataSourceParameters: {
        postgreSqlParameters: {
          host: props.warehouseSecret.secretValueFromJson('host').unsafeUnwrap(),
          database: props.warehouseSecret.secretValueFromJson('dbname').unsafeUnwrap(),
          port: props.port ?? 5432,
        },
      },
      credentials: { secretArn: props.warehouseSecret.secretArn },
      vpcConnectionProperties: { vpcConnectionArn: props.vpcConnectionArn },
      sslProperties: { disableSsl: false },
      permissions: owners(DATA_SOURCE_OWNER_ACTIONS),
    });

    this.dataSets = ANALYST_VIEWS.map((view) => {
      // Data set ids and physical table keys accept letters, digits and "-" only.
      const slug = view.name.replace(/_/g, '-');
      return new quicksight.CfnDataSet(this, view.name, {
        awsAccountId,
        dataSetId: `${props.namePrefix}-${slug}`,
        name: view.title,
        importMode: 'DIRECT_QUERY',
        physicalTableMap: {
          [slug]: {
            relationalTable: {
              dataSourceArn: this.dataSource.attrArn,
              schema: ANALYTICS_SCHEMA,
              name: view.name,
              inputColumns: Object.entries(view.columns).map(([name, type]) => ({ name, type })),
            },
          },
        },
        permissions: owners(DATA_SET_OWNER_ACTIONS),
      });
    });
  }
}
