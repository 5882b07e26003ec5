import type { CfnDashboard } from 'aws-cdk-lib/aws-quicksight';
import { CURRENCY_COLUMN, DEFAULT_CURRENCY, type AnalystView } from '../contract/analyst-views';

/** QuickSight ids (sheets, visuals, filters, fields) accept letters, digits, "-" and "_". */
const slug = (name: string) => name.replace(/_/g, '-');

/** Where a view's data set is known to the dashboard: its identifier and its ARN. */
export interface DashboardDataSet {
  readonly view: AnalystView;
  readonly dataSetArn: string;
}

/**
 * The dashboard's definition: one sheet per analyst view, each with the view's chart and table,
 * a currency control and, where the view has a date, a date-range control. Built from the visual
 * specs in `contract/analyst-views.ts`, as the local page of `deliverance analytics` is.
 *
 * @example
 * new CfnDashboard(this, 'Dashboard', { ..., definition: dashboardDefinition(dataSets) });
 */
export function dashboardDefinition(
  dataSets: readonly DashboardDataSet[],
): CfnDashboard.DashboardVersionDefinitionProperty {
  return {
    dataSetIdentifierDeclarations: dataSets.map(({ view, dataSetArn }) => ({
      identifier: view.name,
      dataSetArn,
    })),
    sheets: dataSets.map(({ view }) => sheet(view)),
    filterGroups: dataSets.map(({ view }) => filterGroup(view)),
  };
}

function column(view: AnalystView, columnName: string): CfnDashboard.ColumnIdentifierProperty {
  return { dataSetIdentifier: view.name, columnName };
}

const fieldId = (view: AnalystView, visual: string, columnName: string) =>
  `${slug(view.name)}-${visual}-${slug(columnName)}`;

function dimension(
  view: AnalystView,
  visual: string,
  columnName: string,
): CfnDashboard.DimensionFieldProperty {
  const field = { fieldId: fieldId(view, visual, columnName), column: column(view, columnName) };
  return view.columns[columnName] === 'DATETIME'
    ? { dateDimensionField: { ...field, dateGranularity: 'MONTH' } }
    : { categoricalDimensionField: field };
}

function measure(
  view: AnalystView,
  visual: string,
  columnName: string,
): CfnDashboard.MeasureFieldProperty {
  return {
    numericalMeasureField: {
      fieldId: fieldId(view, visual, columnName),
      column: column(view, columnName),
      aggregationFunction: { simpleNumericalAggregation: 'SUM' },
    },
  };
}

const chartId = (view: AnalystView) => `${slug(view.name)}-chart`;
const tableId = (view: AnalystView) => `${slug(view.name)}-table`;

const title = (text: string) => ({ visibility: 'VISIBLE', formatText: { plainText: text } });

function chartVisual(view: AnalystView): CfnDashboard.VisualProperty {
  const { chart } = view;
  const wells = {
    category: [dimension(view, 'chart', chart.category)],
    values: chart.values.map((value) => measure(view, 'chart', value)),
    ...(chart.series ? { colors: [dimension(view, 'chart', chart.series)] } : {}),
  };
  const common = {
    visualId: chartId(view),
    title: title(view.title),
    subtitle: title(view.question),
  };
  if (chart.kind === 'line') {
    return {
      lineChartVisual: {
        ...common,
        chartConfiguration: { fieldWells: { lineChartAggregatedFieldWells: wells } },
      },
    };
  }
  const firstValue = chart.values[0] ?? chart.category;
  return {
    barChartVisual: {
      ...common,
      chartConfiguration: {
        orientation: 'HORIZONTAL',
        barsArrangement: 'CLUSTERED',
        fieldWells: { barChartAggregatedFieldWells: wells },
        sortConfiguration: {
          categorySort: [
            { fieldSort: { fieldId: fieldId(view, 'chart', firstValue), direction: 'DESC' } },
          ],
        },
      },
    },
  };
}

function tableVisual(view: AnalystView): CfnDashboard.VisualProperty {
  return {
    tableVisual: {
      visualId: tableId(view),
      title: title(`${view.title}: the rows`),
      chartConfiguration: {
        fieldWells: {
          tableUnaggregatedFieldWells: {
            values: view.table.map((name) => ({
              fieldId: fieldId(view, 'table', name),
              column: column(view, name),
            })),
          },
        },
      },
    },
  };
}

const filterId = (view: AnalystView, what: string) => `${slug(view.name)}-${what}`;

function filterGroup(view: AnalystView): CfnDashboard.FilterGroupProperty {
  const filters: CfnDashboard.FilterProperty[] = [
    {
      categoryFilter: {
        filterId: filterId(view, 'currency'),
        column: column(view, CURRENCY_COLUMN),
        // Money is never added across currencies: a sheet that sums it shows one at a time.
        configuration: {
          filterListConfiguration: view.perCurrency
            ? { matchOperator: 'CONTAINS', categoryValues: [DEFAULT_CURRENCY] }
            : { matchOperator: 'CONTAINS', selectAllOptions: 'FILTER_ALL_VALUES' },
        },
      },
    },
  ];
  if (view.dateColumn) {
    filters.push({
      timeRangeFilter: {
        filterId: filterId(view, 'dates'),
        column: column(view, view.dateColumn),
        nullOption: 'NON_NULLS_ONLY',
        includeMinimum: true,
        includeMaximum: true,
        timeGranularity: 'DAY',
        // Open until the analyst narrows it: every date totesys can hold.
        rangeMinimumValue: { staticValue: '2000-01-01T00:00:00.000Z' },
        rangeMaximumValue: { staticValue: '2100-01-01T00:00:00.000Z' },
      },
    });
  }
  const { top } = view.chart;
  if (top) {
    filters.push({
      numericRangeFilter: {
        filterId: filterId(view, 'top'),
        column: column(view, top.column),
        nullOption: 'NON_NULLS_ONLY',
        includeMaximum: true,
        rangeMaximum: { staticValue: top.max },
      },
    });
  }
  return {
    filterGroupId: filterId(view, 'filters'),
    crossDataset: 'SINGLE_DATASET',
    status: 'ENABLED',
    filters,
    scopeConfiguration: {
      selectedSheets: {
        sheetVisualScopingConfigurations: [{ sheetId: slug(view.name), scope: 'ALL_VISUALS' }],
      },
    },
  };
}

function sheet(view: AnalystView): CfnDashboard.SheetDefinitionProperty {
  const visuals = [chartVisual(view), tableVisual(view)];
  const controls: CfnDashboard.FilterControlProperty[] = [
    {
      dropdown: {
        filterControlId: filterId(view, 'currency-control'),
        sourceFilterId: filterId(view, 'currency'),
        title: 'Currency',
        type: view.perCurrency ? 'SINGLE_SELECT' : 'MULTI_SELECT',
      },
    },
    ...(view.dateColumn
      ? [
          {
            dateTimePicker: {
              filterControlId: filterId(view, 'dates-control'),
              sourceFilterId: filterId(view, 'dates'),
              title: 'Date range',
              type: 'DATE_RANGE',
            },
          },
        ]
      : []),
  ];
  return {
    sheetId: slug(view.name),
    name: view.title,
    title: view.title,
    description: view.question,
    visuals,
    filterControls: controls,
    layouts: [
      {
        configuration: {
          gridLayout: {
            // Chart above, its table below, each the sheet's full width (36 columns).
            elements: [chartId(view), tableId(view)].map((elementId, i) => ({
              elementId,
              elementType: 'VISUAL',
              columnSpan: 36,
              rowSpan: 12,
              rowIndex: i * 12,
              columnIndex: 0,
            })),
          },
        },
      },
    ],
  };
}
