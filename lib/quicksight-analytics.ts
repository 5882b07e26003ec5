import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ANALYST_ROLE, ANALYST_VIEWS, ANALYTICS_SCHEMA } from '../contract/analyst-views';
import { acknowledge } from './nag';
import { dashboardDefinition } from './quicksight-dashboard';

export interface QuickSightAnalyticsProps {
  /** Prefix of the data source and data set ids, e.g. `deliverance-prod`. */
  readonly namePrefix: string;
  /**
   * The warehouse secret, imported by its complete ARN. Its `host`/`dbname`, where `host` and
   * `database` do not stand for them, are read from it at deploy time by dynamic reference, so
   * no value appears in the template; QuickSight logs in with the analyst secret instead of its
   * credentials.
   */
  readonly warehouseSecret: secretsmanager.ISecret;
  /** QuickSight VPC connection that reaches the warehouse. */
  readonly vpcConnectionArn: string;
  /** @default 5432 */
  readonly port?: number;
  /** @default - the warehouse secret's `host` */
  readonly host?: string;
  /** @default - the warehouse secret's `dbname` */
  readonly database?: string;
  /** QuickSight users or groups who own the data source and data sets and view the dashboard. */
  readonly principalArns: readonly string[];
  /** What happens to the analyst secret when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
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

// Viewers only: the dashboard is changed through this stack, not by hand in QuickSight.
const DASHBOARD_VIEWER_ACTIONS = [
  'quicksight:DescribeDashboard',
  'quicksight:ListDashboardVersions',
  'quicksight:QueryDashboard',
];

/**
 * The warehouse as a QuickSight data source, one data set per analyst view, and a dashboard
 * with a sheet per view, reading the warehouse as the read-only analyst role. Data sets use
 * direct query: the views are small aggregates and need no SPICE capacity to stay current.
 */
export class QuickSightAnalytics extends Construct {
  /**
   * `{"username": "deliverance_analyst", "password": …}`: QuickSight's credentials, and the
   * password the load function gives the role.
   */
  public readonly analystSecret: secretsmanager.Secret;
  public readonly dataSource: quicksight.CfnDataSource;
  public readonly dataSets: quicksight.CfnDataSet[];
  public readonly dashboard: quicksight.CfnDashboard;

  constructor(scope: Construct, id: string, props: QuickSightAnalyticsProps) {
    super(scope, id);
    const awsAccountId = Stack.of(this).account;
    const permissions = (actions: string[]) =>
      props.principalArns.map((principal) => ({ principal, actions }));

    this.analystSecret = new secretsmanager.Secret(this, 'AnalystSecret', {
      description: `Read-only warehouse role for QuickSight and analysts (${props.namePrefix})`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: ANALYST_ROLE }),
        generateStringKey: 'password',
        // Letters and digits only: nothing a connection string or a shell would need to quote.
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.analystSecret,
      'The analyst password is rotated by putting a new value into the secret: the load function sets the role to it within minutes, and QuickSight reads the secret at each connection, so no rotation function with rights on the role is needed.',
      ['AwsSolutions-SMG4'],
    );

    this.dataSource = new quicksight.CfnDataSource(this, 'Warehouse', {
      awsAccountId,
      dataSourceId: `${props.namePrefix}-warehouse`,
      name: `Deliverance warehouse (${props.namePrefix})`,
      type: 'POSTGRESQL',
      dataSourceParameters: {
        postgreSqlParameters: {
          host: props.host ?? props.warehouseSecret.secretValueFromJson('host').unsafeUnwrap(),
          database:
            props.database ?? props.warehouseSecret.secretValueFromJson('dbname').unsafeUnwrap(),
          port: props.port ?? 5432,
        },
      },
      credentials: { secretArn: this.analystSecret.secretArn },
      vpcConnectionProperties: { vpcConnectionArn: props.vpcConnectionArn },
      sslProperties: { disableSsl: false },
      permissions: permissions(DATA_SOURCE_OWNER_ACTIONS),
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
        permissions: permissions(DATA_SET_OWNER_ACTIONS),
      });
    });

    this.dashboard = new quicksight.CfnDashboard(this, 'Dashboard', {
      awsAccountId,
      dashboardId: `${props.namePrefix}-analytics`,
      name: `Deliverance analytics (${props.namePrefix})`,
      definition: dashboardDefinition(
        ANALYST_VIEWS.map((view, i) => ({
          view,
          dataSetArn: (this.dataSets[i] as quicksight.CfnDataSet).attrArn,
        })),
      ),
      permissions: permissions(DASHBOARD_VIEWER_ACTIONS),
      dashboardPublishOptions: {
        adHocFilteringOption: { availabilityStatus: 'DISABLED' },
        sheetControlsOption: { visibilityState: 'EXPANDED' },
      },
    });
  }
}
