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
    calculatedFields: dataSets.flatMap(({ view }) => calculatedFields(view)),
  };
}

/** A calculated field's name: QuickSight's field names share one namespace with the columns. */
const CATEGORY_FIELD = 'chart_category';
const SERIES_FIELD = 'chart_series';

const field = (columnName: string) => `{${columnName}}`;
const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The category as the chart names it, unique per key: "Granite (#12)", "Sales (Leeds)". Grouping
 * by it is grouping by the key, so two designs that share a name are two bars. Absent when the
 * key is one column and names itself (a month, a currency).
 */
function categoryExpression(view: AnalystView): string | undefined {
  const { category, label } = view.chart;
  if (!label)
    return category.length === 1 ? undefined : `concat(${category.map(field).join(", ' / ', ")})`;
  const rest = category
    .filter((column) => column !== label)
    .map((column) =>
      view.columns[column] === 'STRING'
        ? `ifelse(isNull(${field(column)}), '—', ${field(column)})`
        : `concat('#', toString(${field(column)}))`,
    );
  return rest.length === 0
    ? undefined
    : `concat(${field(label)}, ' (', ${rest.join(", ', ', ")}, ')')`;
}

/** The series' codes as the legend names them (payment types), else the code. */
function seriesExpression(view: AnalystView): string | undefined {
  const { series, seriesLabels } = view.chart;
  if (!series || !seriesLabels) return undefined;
  const cases = Object.entries(seriesLabels).flatMap(([code, name]) => [
    `${field(series)} = ${literal(code)}`,
    literal(name),
  ]);
  return `ifelse(${cases.join(', ')}, ${field(series)})`;
}

function calculatedFields(view: AnalystView): CfnDashboard.CalculatedFieldProperty[] {
  return [
    [CATEGORY_FIELD, categoryExpression(view)],
    [SERIES_FIELD, seriesExpression(view)],
  ].flatMap(([name, expression]) =>
    name && expression ? [{ dataSetIdentifier: view.name, name, expression }] : [],
  );
}

/** The column or calculated field the chart's categories are. */
const categoryField = (view: AnalystView) =>
  categoryExpression(view) ? CATEGORY_FIELD : (view.chart.category[0] ?? CURRENCY_COLUMN);

/** The column or calculated field the chart's series are. */
const seriesField = (view: AnalystView) =>
  seriesExpression(view) ? SERIES_FIELD : view.chart.series;

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
  const series = seriesField(view);
  const wells = {
    category: [dimension(view, 'chart', categoryField(view))],
    values: chart.values.map((value) => measure(view, 'chart', value)),
    ...(series ? { colors: [dimension(view, 'chart', series)] } : {}),
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
        chartConfiguration: {
          fieldWells: { lineChartAggregatedFieldWells: wells },
          // A month without sales is a gap on the axis, not a line drawn across it.
          xAxisDisplayOptions: {
            dataOptions: { dateAxisOptions: { missingDateVisibility: 'VISIBLE' } },
          },
        },
      },
    };
  }
  const firstValue = chart.values[0] ?? categoryField(view);
  // Where currency is the category, one small chart per currency, each with its own axes.
  const smallMultiples = view.perCurrency
    ? {}
    : {
        smallMultiplesOptions: {
          xAxis: { scale: 'INDEPENDENT' },
          yAxis: { scale: 'INDEPENDENT' },
        },
      };
  return {
    barChartVisual: {
      ...common,
      chartConfiguration: {
        orientation: 'HORIZONTAL',
        barsArrangement: 'CLUSTERED',
        fieldWells: {
          barChartAggregatedFieldWells: {
            ...wells,
            ...(view.perCurrency
              ? {}
              : { smallMultiples: [dimension(view, 'small-multiples', CURRENCY_COLUMN)] }),
          },
        },
        ...smallMultiples,
        sortConfiguration: {
          categorySort: [
            { fieldSort: { fieldId: fieldId(view, 'chart', firstValue), direction: 'DESC' } },
          ],
          // The top N is N bars: the rank filter keeps them, this keeps QuickSight from adding more.
          ...(chart.top
            ? { categoryItemsLimit: { itemsLimit: chart.top.max, otherCategories: 'EXCLUDE' } }
            : {}),
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
