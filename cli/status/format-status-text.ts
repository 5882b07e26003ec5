import { PIPELINE_STAGES, type FutureStamped } from '../../lambdas/shared/ports/run-log';
import { formatTable } from '../table-format';
import { terminalText } from '../terminal-text';
import { schemaChangeText } from '../../lambdas/shared/core/schema-changes';
import type { HeldDeletes } from '../../lambdas/shared/ports/deletes-state-store';
import {
  watermarkText,
  type DeletesApplied,
  type PipelineStatus,
  type StageRun,
  type TableStatus,
} from './pipeline-status';

/** `3 m 20 s`-style ages and durations; a dash for unknown. */
export function formatSeconds(value: number | null): string {
  if (value === null) return '—';
  if (value < 60) return `${value.toFixed(value < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(value / 60);
  if (minutes < 60) return `${minutes} m ${Math.round(value % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} m`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `5 s ago`, `3 m 20 s ago`: how long ago something was; a dash for unknown. */
export function agoText(value: number | null): string {
  if (value === null) return '—';
  return `${value < 60 ? `${Math.round(value)} s` : formatSeconds(value)} ago`;
}

/** `2026-11-23T04:30:00.000000Z (3 m 20 s ago)`: a source time and how long ago it was. */
function ageText(at: string | null, age: number | null): string {
  return at === null ? '—' : `${at} (${agoText(age)})`;
}

/** `2026-11-23 04:30:00`: a UTC instant to the second, for a column. */
function shortTime(at: string | null): string {
  return at === null ? '—' : at.slice(0, 19).replace('T', ' ');
}

function stageCell(run: StageRun): string {
  if (run.state === 'none') return '—';
  const cell = run.seconds === null ? run.state : `${run.state} ${formatSeconds(run.seconds)}`;
  return run.setAside ? `${cell}, ${count(run.setAside)} row(s) set aside` : cell;
}

/** A stage of a run in a narrow column: its time when it succeeded, else its state. */
function shortStageCell(run: StageRun): string {
  if (run.state === 'none') return '—';
  if (run.state !== 'success' || run.seconds === null) return run.state;
  return formatSeconds(run.seconds);
}

/** Where a table's last batch stands: `loaded`, or the first stage not done and its state. */
function tableState(table: TableStatus): string {
  if (table.pause === 'paused') return 'paused';
  if (table.pause === 'held') return 'held (paused)';
  if (table.schema === 'stopped') return 'stopped (schema)';
  if (table.schema === 'held') return 'held (schema)';
  const stage = PIPELINE_STAGES.find((s) => table.stages[s] !== 'success');
  if (stage === undefined) return 'loaded';
  const state = table.stages[stage];
  return state === 'none' ? '—' : `${stage} ${state}`;
}

const count = (n: number) => n.toLocaleString('en-GB');

export interface StatusTextOptions {
  /** Every column (watermarks and batches in full): wider than 100 columns. */
  readonly wide?: boolean;
  /** ANSI colours for states: only on a terminal, never with --json or NO_COLOR. */
  readonly colour?: boolean;
  /** Lines are wrapped to this width (the default layout fits it). @default 100 */
  readonly width?: number;
}

const COLOURS = { green: 32, yellow: 33, red: 31 } as const;

/** The colour of a state word: done green, waiting yellow, failed red. */
function stateColour(text: string): keyof typeof COLOURS | undefined {
  if (/\b(error|failure|ALARM|stopped)\b/.test(text)) return 'red';
  if (/\b(pending|running|paused|held|backfilling)\b/.test(text)) return 'yellow';
  if (/^(loaded|success)\b/.test(text.trim())) return 'green';
  return undefined;
}

function painter(colour: boolean) {
  return (text: string) => {
    const which = colour ? stateColour(text) : undefined;
    return which ? `\x1b[${COLOURS[which]}m${text}\x1b[0m` : text;
  };
}

/**
 * `text` broken at spaces into lines of at most `width` columns, the lines after the first
 * indented by `indent`; a word longer than a line is cut.
 *
 * @example
 * wrapText('  batch load at T: a long error …', 100); // ['  batch load at T: a long', '    error …']
 */
export function wrapText(text: string, width: number, indent = '    '): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const lines: string[] = [];
  let line = lead;
  const room = () => width - (lines.length === 0 ? 0 : indent.length);
  for (const word of text.slice(lead.length).split(' ')) {
    const start = lines.length === 0 ? lead.length : 0;
    if (line.length > start && line.length + 1 + word.length > room()) {
      lines.push(line);
      line = '';
    }
    line =
      line.length > (lines.length === 0 ? lead.length : 0) ? `${line} ${word}` : `${line}${word}`;
    for (let r = room(); line.length > r; r = room()) {
      lines.push(line.slice(0, r));
      line = line.slice(r);
    }
  }
  if (line.trim().length > 0) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : `${indent}${l}`));
}

/**
 * The terminal form of `deliverance status`: tables, warehouse, recent runs, failures, parked
 * batches, gaps. By default it fits 100 columns (states coloured with `colour`); `wide` shows
 * every column in full.
 *
 * @example
 * console.log(formatStatusText(status, { colour: process.stdout.isTTY }));
 */
export function formatStatusText(status: PipelineStatus, options: StatusTextOptions = {}): string {
  const width = options.width ?? 100;
  const paint = painter(options.colour ?? false);
  const wrap = (text: string, indent?: string) => wrapText(terminalText(text), width, indent);
  // `  <batch> <stage> at <time>: <error>` on one line when it fits, else the error below it.
  const entry = (head: string, detail: string) => {
    const line = terminalText(`${head}: ${detail}`);
    return line.length <= width
      ? [line]
      : [terminalText(`${head}:`), ...wrapText(terminalText(`    ${detail}`), width)];
  };
  const paintStates = (cell: string, column: number, row: number, columns: readonly number[]) =>
    row >= 0 && columns.includes(column) ? paint(cell) : cell;
  const lines = [
    terminalText(
      `Deliverance status${status.environment ? ` of ${status.environment}` : ''} at ${status.generatedAt}`,
    ),
    '',
    options.wide ? wideTables(status, paintStates) : narrowTables(status, paintStates),
  ];
  if (!options.wide) {
    for (const [name, t] of Object.entries(status.tables)) {
      if (t.backfill) lines.push(...wrap(`${name}: ${watermarkText(t)}`, '  '));
    }
  }
  const w = status.warehouse;
  lines.push(
    '',
    ...(w.lastLoadedBatchId
      ? [
          ...wrap(
            `warehouse: complete up to ${ageText(w.completeUpTo, w.freshnessSeconds)}; newest source change ${w.newestSourceChange ?? '—'} (${agoText(w.newestChangeAgeSeconds)})`,
          ),
          ...wrap(`  last loaded batch ${w.lastLoadedBatchId} at ${w.loadedAt ?? '—'}`),
        ]
      : ['warehouse: nothing loaded yet']),
    '',
    `recent runs (newest first, ${status.runs.length}):`,
    status.runs.length > 0
      ? runsTable(status, options.wide ?? false, paintStates)
      : '  none recorded',
    ...status.runs.flatMap((run) =>
      run.replays.map((r) =>
        terminalText(
          `  replayed: ${run.batchId} ${r.stage} at ${r.startedAt ?? '—'}, ${stageCell(r)}`,
        ),
      ),
    ),
    '',
  );
  if (status.deadLetters) {
    lines.push(
      ...wrap(
        `dead-letter queues: ${status.deadLetters.map((q) => `${q.name} ${count(q.messages)}`).join(', ')}${status.deadLetters.some((q) => q.messages > 0) ? ' (deliverance redrive sends them back)' : ''}`,
      ),
    );
  }
  if (status.alarms) {
    const firing = status.alarms.filter((a) => a.state !== 'OK');
    lines.push(
      firing.length === 0
        ? `alarms: all ${status.alarms.length} OK`
        : `alarms (${firing.length} not OK of ${status.alarms.length}):`,
    );
    for (const a of firing) {
      lines.push(...entry(`  ${a.name} ${a.state} since ${a.since ?? '—'}`, a.reason ?? ''));
    }
  }
  if (status.deadLetters || status.alarms) lines.push('');
  const standing = status.failures.filter((f) => f.resolvedAt === null);
  const resolved = status.failures.filter((f) => f.resolvedAt !== null);
  if (standing.length > 0) {
    lines.push(`failures (${standing.length}):`);
    for (const f of standing) lines.push(...entry(`  ${f.batchId} ${f.stage} at ${f.at}`, f.error));
  } else {
    lines.push('failures: none');
  }
  if (resolved.length > 0) {
    lines.push(`resolved failures (${resolved.length}), made good by a later run:`);
    for (const f of resolved) {
      const by = f.resolvedBy === f.batchId ? '' : ` by batch ${f.resolvedBy ?? '—'}`;
      lines.push(
        ...entry(
          `  ${f.batchId} ${f.stage} at ${f.at}`,
          `resolved at ${f.resolvedAt ?? '—'}${by}: ${f.error}`,
        ),
      );
    }
  }
  if (status.parked.length > 0) {
    lines.push('', `parked batches (${status.parked.length}), waiting for a missing object:`);
    for (const p of status.parked)
      lines.push(...entry(`  ${p.batchId} ${p.stage} at ${p.at}`, p.error));
  }
  const future = Object.values(status.tables).flatMap((t) =>
    t.futureStamped ? [t.futureStamped] : [],
  );
  if (future.length > 0) {
    lines.push('', "rows stamped later than the source's clock, not read until their time comes:");
    for (const f of future) lines.push(...wrap(`  ${futureStampedText(f)}`));
  }
  const deletes = Object.entries(status.tables).flatMap(([table, t]) =>
    t.deletesApplied ? [{ table, applied: t.deletesApplied }] : [],
  );
  if (deletes.length > 0) {
    lines.push('', 'deletes applied (the newest batch that marked rows of the table deleted):');
    for (const { table, applied } of deletes)
      lines.push(...wrap(`  ${table}: ${deletesAppliedText(applied)}`));
  }
  const held = Object.entries(status.tables).flatMap(([table, t]) =>
    t.deletesHeld ? [{ table, held: t.deletesHeld }] : [],
  );
  if (held.length > 0) {
    lines.push(
      '',
      'deletes held by the guard (gone from the source, none landed; check the source):',
    );
    for (const h of held) lines.push(...wrap(`  ${h.table}: ${deletesHeldText(h.table, h.held)}`));
  }
  if (status.schemaChanges.length > 0) {
    lines.push(
      '',
      `source columns that differ from the catalogue (${status.schemaChanges.length}; docs/extending.md):`,
    );
    for (const c of status.schemaChanges) lines.push(...wrap(`  ${schemaChangeText(c)}`));
  }
  if (status.gaps.length > 0) {
    lines.push('', `gaps in the batch sequence (${status.gaps.length}):`);
    for (const g of status.gaps) {
      lines.push(
        ...wrap(
          `  ${g.batchId} was never through ${g.missing} although ${g.laterBatchId} was: deliverance replay --batch ${g.batchId} --stage ${g.missing}`,
        ),
      );
    }
  }
  if (!options.wide) {
    lines.push('', '(--wide: every column in full; --table T: one table in detail)');
  }
  return lines.join('\n');
}

type PaintStates = (
  cell: string,
  column: number,
  row: number,
  columns: readonly number[],
) => string;

/** Per table in 100 columns: where it is read up to, its rows, its ages and its last batch. */
function narrowTables(status: PipelineStatus, paint: PaintStates): string {
  const rows = Object.entries(status.tables).map(([name, t]) => [
    name,
    t.backfill ? 'backfilling' : t.watermark === null ? '(none yet)' : shortTime(t.watermark),
    t.lastRows ?? '—',
    agoText(t.freshnessSeconds),
    agoText(t.newestChangeAgeSeconds),
    tableState(t),
  ]);
  return formatTable(
    ['table', 'read up to (UTC)', 'last rows', 'complete up to', 'newest change', 'last batch'],
    rows,
    { paint: (cell, column, row) => paint(cell, column, row, [1, 5]) },
  );
}

/** Per table, every column in full, as `--wide` shows it. */
function wideTables(status: PipelineStatus, paint: PaintStates): string {
  const rows = Object.entries(status.tables).map(([name, t]) => [
    name,
    watermarkText(t),
    t.lastBatchId ?? '—',
    t.lastRows ?? '—',
    t.lastRowsBatchId ?? '—',
    ageText(t.completeUpTo, t.freshnessSeconds),
    agoText(t.newestChangeAgeSeconds),
    ...PIPELINE_STAGES.map((stage) => (t.stages[stage] === 'none' ? '—' : t.stages[stage])),
  ]);
  return formatTable(
    [
      'table',
      'watermark',
      'last batch',
      'rows',
      'in batch',
      'complete up to (age)',
      'newest change',
      'ingest',
      'transform',
      'load',
    ],
    rows,
    { paint: (cell, column, row) => paint(cell, column, row, [1, 7, 8, 9]) },
  );
}

function runsTable(status: PipelineStatus, wide: boolean, paint: PaintStates): string {
  const cell = wide ? stageCell : shortStageCell;
  const setAside = !wide && status.runs.some((r) => r.stages.transform.setAside);
  const rows = status.runs.map((run) => [
    run.batchId,
    ...PIPELINE_STAGES.map((stage) => cell(run.stages[stage])),
    run.stages.ingest.rows ?? '—',
    ...(setAside ? [run.stages.transform.setAside ?? 0] : []),
  ]);
  return formatTable(
    ['batch', 'ingest', 'transform', 'load', 'rows landed', ...(setAside ? ['set aside'] : [])],
    rows,
    { paint: (text, column, row) => paint(text, column, row, [1, 2, 3]) },
  );
}

/**
 * One table in detail, as `status --table T` shows it: every field of its row in the wide
 * layout, one per line, and the failures of the batches that read it.
 */
export function formatTableStatus(status: PipelineStatus, name: string): string {
  const t = status.tables[name];
  if (!t) return `${terminalText(name)}: not a source table`;
  const last = status.runs.find((r) => r.batchId === t.lastBatchId);
  const fields: [string, string][] = [
    ['watermark', watermarkText(t)],
    [
      'last batch',
      `${t.lastBatchId ?? '—'} (${PIPELINE_STAGES.map((s) => `${s} ${t.stages[s] === 'none' ? '—' : t.stages[s]}`).join(', ')})`,
    ],
    [
      'last rows',
      t.lastRows === null ? '—' : `${count(t.lastRows)} in batch ${t.lastRowsBatchId ?? '—'}`,
    ],
    ['complete up to', ageText(t.completeUpTo, t.freshnessSeconds)],
    ['newest change', ageText(t.newestLoadedChange, t.newestChangeAgeSeconds)],
    ...(last
      ? [
          [
            'stage times',
            PIPELINE_STAGES.map((s) => `${s} ${stageCell(last.stages[s])}`).join('; '),
          ] as [string, string],
        ]
      : []),
    ...(t.futureStamped
      ? [['future-stamped', futureStampedText(t.futureStamped)] as [string, string]]
      : []),
    ...(t.deletesApplied
      ? [['deletes applied', deletesAppliedText(t.deletesApplied)] as [string, string]]
      : []),
    ...(t.deletesHeld
      ? [['deletes held', deletesHeldText(name, t.deletesHeld)] as [string, string]]
      : []),
    ...status.schemaChanges
      .filter((c) => c.table === name)
      .map((c): [string, string] => ['schema change', schemaChangeText(c)]),
  ];
  const failures = status.failures.filter((f) => f.batchId === t.lastBatchId);
  return [
    terminalText(`${name} at ${status.generatedAt}`),
    ...fields.flatMap(([label, value]) =>
      wrapText(terminalText(`  ${label.padEnd(16)}${value}`), 100, ' '.repeat(18)),
    ),
    ...failures.flatMap((f) =>
      wrapText(
        terminalText(`  failure         ${f.stage} at ${f.at}: ${f.error}`),
        100,
        ' '.repeat(18),
      ),
    ),
  ].join('\n');
}

/** `payment: 2 rows, key 17 at 9999-12-31T00:00:00.000000Z, …`: a table's future-stamped rows. */
/** `12 rows of fact_sales_order marked deleted in batch …`. */
export function deletesAppliedText(applied: DeletesApplied): string {
  return `${count(applied.rows)} ${applied.rows === 1 ? 'row' : 'rows'} of ${applied.table} marked deleted in batch ${applied.batchId}`;
}

/** `6,000 keys (100.0% of the warehouse's) since …: if the deletes are real, deliverance deletes …`. */
export function deletesHeldText(table: string, held: HeldDeletes): string {
  return `${count(held.keys)} ${held.keys === 1 ? 'key' : 'keys'} (${(held.share * 100).toFixed(1)}% of the warehouse's) since ${held.at}: if the deletes are real, deliverance deletes --table ${table} --confirm`;
}

export function futureStampedText(future: FutureStamped): string {
  const keys = future.keys.map((k) => `key ${k.key} at ${k.lastUpdated}`);
  const more =
    future.rows > future.keys.length ? [`… ${future.rows - future.keys.length} more`] : [];
  return `${future.table}: ${count(future.rows)} row${future.rows === 1 ? '' : 's'}, ${[...keys, ...more].join(', ')}`;
}
