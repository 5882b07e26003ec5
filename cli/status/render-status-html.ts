import {
  FRESHNESS_ALARM,
  FRESHNESS_THRESHOLD_SECONDS,
  freshnessState,
} from '../../contract/freshness';
import { PIPELINE_STAGES, type PipelineStage } from '../../lambdas/shared/ports/run-log';
import { schemaChangeText } from '../../lambdas/shared/core/schema-changes';
import {
  deletesAppliedText,
  deletesHeldText,
  formatSeconds,
  futureStampedText,
} from './format-status-text';
import { watermarkText, type PipelineStatus, type StageState } from './pipeline-status';

const STATE_COLOURS: Record<StageState, { fill: string; stroke: string; text: string }> = {
  success: { fill: '#e3f4e6', stroke: '#2e7d32', text: '#1b5e20' },
  pending: { fill: '#fff4d6', stroke: '#c98a00', text: '#7a5200' },
  running: { fill: '#e1ecfb', stroke: '#1f5fbf', text: '#123d7a' },
  error: { fill: '#fde4e4', stroke: '#c62828', text: '#8e1b1b' },
  none: { fill: '#f1f2f4', stroke: '#9aa0a8', text: '#5f6670' },
};

const STAGE_COLOURS: Record<PipelineStage, string> = {
  ingest: '#4c78a8',
  transform: '#f58518',
  load: '#54a24b',
};

export function escape(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function badge(state: StageState): string {
  const colour = STATE_COLOURS[state];
  return `<span class="badge" style="background:${colour.fill};color:${colour.text};border-color:${colour.stroke}">${state === 'none' ? '—' : state}</span>`;
}

/** ingest → transform → load as three small boxes coloured by state, the state in each title. */
function stageGraph(stages: Readonly<Record<PipelineStage, StageState>>): string {
  const width = 70;
  const gap = 12;
  const boxes = PIPELINE_STAGES.map((stage, i) => {
    const x = i * (width + gap) + 1;
    const colour = STATE_COLOURS[stages[stage]];
    const arrow =
      i === 0
        ? ''
        : `<line x1="${x - gap + 1}" y1="11" x2="${x - 3}" y2="11" stroke="#6b7280" stroke-width="1.2" marker-end="url(#arrow)"/>`;
    return `${arrow}<g data-stage="${stage}" data-state="${stages[stage]}"><title>${stage}: ${stages[stage] === 'none' ? 'not reached' : stages[stage]}</title><rect x="${x}" y="2" width="${width}" height="18" rx="4" fill="${colour.fill}" stroke="${colour.stroke}" stroke-width="1.2"/>
<text x="${x + width / 2}" y="15" text-anchor="middle" class="stage" fill="${colour.text}">${stage}</text></g>`;
  }).join('');
  const total = 3 * width + 2 * gap + 2;
  return `<svg width="${total}" height="22" viewBox="0 0 ${total} 22" role="img" aria-label="ingest ${stages.ingest}, transform ${stages.transform}, load ${stages.load}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>
${boxes}</svg>`;
}

/** What a stage graph's colours mean. */
function stateLegend(): string {
  return (Object.keys(STATE_COLOURS) as StageState[])
    .map((state) => {
      const colour = STATE_COLOURS[state];
      return `<span class="badge" style="background:${colour.fill};color:${colour.text};border-color:${colour.stroke}">${state === 'none' ? 'not reached' : state}</span>`;
    })
    .join(' ');
}

/** One horizontal bar per run, newest at the top as in the history, split into its stages. */
function durationsChart(status: PipelineStatus): string {
  const { runs } = status;
  if (runs.length === 0) return '<p class="muted">No runs recorded yet.</p>';
  const totals = runs.map((run) =>
    PIPELINE_STAGES.reduce((sum, stage) => sum + (run.stages[stage].seconds ?? 0), 0),
  );
  const longest = Math.max(...totals, 0.001);
  const labelWidth = 190;
  const barWidth = 520;
  const rowHeight = 20;
  const legendTop = runs.length * rowHeight + 8;
  const height = legendTop + 20;
  const rows = runs
    .map((run, i) => {
      const y = i * rowHeight + 2;
      let x = labelWidth;
      const segments = PIPELINE_STAGES.map((stage) => {
        const s = run.stages[stage];
        if (s.seconds === null) return '';
        const w = Math.max(1, (s.seconds / longest) * barWidth);
        const colour = s.state === 'error' ? STATE_COLOURS.error.stroke : STAGE_COLOURS[stage];
        const rect = `<rect class="segment" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colour}"><title>${stage} ${s.state} ${formatSeconds(s.seconds)}</title></rect>`;
        x += w;
        return rect;
      }).join('');
      return `<g data-batch="${escape(run.batchId)}"><text x="${labelWidth - 8}" y="${y + 11}" text-anchor="end" class="label">${escape(run.batchId)}</text>${segments}<text x="${(x + 6).toFixed(1)}" y="${y + 11}" class="label">${formatSeconds(totals[i] ?? 0)}</text></g>`;
    })
    .join('\n');
  const keys: [string, string][] = [
    ...PIPELINE_STAGES.map((stage): [string, string] => [stage, STAGE_COLOURS[stage]]),
    ['error', STATE_COLOURS.error.stroke],
  ];
  const legend = `<g class="legend">${keys
    .map(
      ([name, colour], i) =>
        `<rect x="${labelWidth + i * 110}" y="${legendTop}" width="12" height="12" fill="${colour}"/><text x="${labelWidth + i * 110 + 17}" y="${legendTop + 10}" class="label">${name}</text>`,
    )
    .join('')}</g>`;
  const total = labelWidth + barWidth + 80;
  return `<svg id="durations" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}" role="img" aria-label="Stage durations per run, newest first">${rows}${legend}</svg>`;
}

/** A threshold in words: `30 min`, or seconds when it is not whole minutes. */
const thresholdText = (seconds: number) =>
  seconds % 60 === 0 ? `${seconds / 60} min` : formatSeconds(seconds);

/** An age cell coloured against the freshness threshold; the instant in its title. */
function freshnessCell(
  tag: 'td' | 'b',
  seconds: number | null,
  at: string | null,
  threshold: number,
): string {
  return `<${tag} class="${tag === 'td' ? 'num ' : ''}freshness" data-freshness="${freshnessState(seconds, threshold)}" title="${escape(at ?? 'nothing loaded yet')}">${escape(formatSeconds(seconds))}</${tag}>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:16px 24px;background:#fafbfc}
h1{font-size:20px;margin:0}h1 small{font-size:13px;font-weight:400;color:#656d76;margin-left:10px}
h2{font-size:16px;margin:18px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:3px}
.muted{color:#656d76}table{border-collapse:collapse;background:#fff;border:1px solid #d8dee4}
th,td{padding:3px 10px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:middle;white-space:nowrap}
th{background:#f3f5f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
.badge{display:inline-block;padding:1px 8px;border:1px solid;border-radius:10px;font-size:12px}
svg text.stage{font:600 11px system-ui,sans-serif}
svg text.label{font:11px ui-monospace,Menlo,monospace;fill:#1f2328}
.failure{background:#fff;border:1px solid #f1b5b5;border-left:4px solid #c62828;padding:8px 12px;margin:8px 0}
.gap{background:#fff;border:1px solid #ecd08a;border-left:4px solid #c98a00;padding:8px 12px;margin:8px 0}
.summary{display:flex;flex-wrap:wrap;gap:12px;margin-top:10px}.card{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:4px 12px}
.card b{display:block;font-size:17px}.legend-line{margin:6px 0 0;font-size:12.5px}
[data-freshness="fresh"]{background:#e3f4e6;color:#1b5e20}[data-freshness="stale"]{background:#fde4e4;color:#8e1b1b;font-weight:600}
[data-freshness="unknown"]{background:#f1f2f4;color:#5f6670}.card[data-freshness] b{background:none}`;

export interface StatusPageOptions {
  /**
   * The age beyond which freshness is coloured stale.
   * @default - the deployed freshness alarm's threshold where status read it, else
   * FRESHNESS_THRESHOLD_SECONDS
   */
  readonly freshnessThresholdSeconds?: number;
}

/**
 * The one-page report of `deliverance status --html`: every source table with its freshness
 * (coloured against the freshness alarm's threshold) and stage graph, fitting a laptop's screen,
 * then the run history and a chart of stage durations (both newest first), failures and gaps.
 * Self-contained: inline CSS and SVG, no script, no external asset, so it can be mailed or
 * archived as it is.
 *
 * @example
 * await writeFile('status.html', renderStatusHtml(await collectStatus(environment)));
 */
export function renderStatusHtml(status: PipelineStatus, options: StatusPageOptions = {}): string {
  const threshold =
    options.freshnessThresholdSeconds ??
    status.alarms?.find((a) => a.name.endsWith(`-${FRESHNESS_ALARM}`))?.threshold ??
    FRESHNESS_THRESHOLD_SECONDS;
  const w = status.warehouse;
  const tableRows = Object.entries(status.tables)
    .map(
      ([name, t]) => `<tr data-table="${escape(name)}"><th scope="row">${escape(name)}</th>
${freshnessCell('td', t.freshnessSeconds, t.completeUpTo, threshold)}
<td class="num" title="${escape(t.newestLoadedChange ?? '')}">${escape(formatSeconds(t.newestChangeAgeSeconds))}</td>
<td>${stageGraph(t.stages)}</td>
<td class="num">${escape(t.lastRows?.toLocaleString('en-GB') ?? '—')}</td>
<td class="mono">${escape(watermarkText(t))}</td>
<td class="mono">${escape(t.lastBatchId ?? '—')}</td></tr>`,
    )
    .join('\n');
  const runRows = status.runs
    .map(
      (run) => `<tr data-batch="${escape(run.batchId)}"><td class="mono">${escape(run.batchId)}</td>
${PIPELINE_STAGES.map((stage) => {
  const s = run.stages[stage];
  return `<td>${badge(s.state)} <span class="muted">${s.seconds === null ? '' : escape(formatSeconds(s.seconds))}</span></td>`;
}).join('')}
<td class="num">${escape(run.stages.ingest.rows ?? '—')}</td></tr>`,
    )
    .join('\n');
  const failures =
    status.failures.length === 0
      ? '<p class="muted">None in the recent runs.</p>'
      : status.failures
          .map(
            (f) =>
              `<div class="failure"><b>${escape(f.stage)}</b> of <span class="mono">${escape(f.batchId)}</span> <span class="muted">at ${escape(f.at)}${f.resolvedAt === null ? '' : `, resolved at ${escape(f.resolvedAt)} by batch ${escape(f.resolvedBy ?? '—')}`}</span><br><code>${escape(f.error)}</code></div>`,
          )
          .join('\n');
  const parked =
    status.parked.length === 0
      ? ''
      : `<h2>Parked batches</h2>${status.parked
          .map(
            (p) =>
              `<div class="failure"><span class="mono">${escape(p.batchId)}</span> parked at <b>${escape(p.stage)}</b> <span class="muted">at ${escape(p.at)}</span>: <span class="mono">s3://${escape(p.bucket)}/${escape(p.key)}</span> is missing<br><code>${escape(p.error)}</code></div>`,
          )
          .join('\n')}`;
  const gaps =
    status.gaps.length === 0
      ? ''
      : `<h2>Gaps in the batch sequence</h2>${status.gaps
          .map(
            (g) =>
              `<div class="gap"><span class="mono">${escape(g.batchId)}</span> never went through <b>${escape(g.missing)}</b> although the later <span class="mono">${escape(g.laterBatchId)}</span> did. Replay it: <code>deliverance replay --batch ${escape(g.batchId)} --stage ${escape(g.missing)}</code></div>`,
          )
          .join('\n')}`;
  const future = Object.values(status.tables).flatMap((t) =>
    t.futureStamped ? [t.futureStamped] : [],
  );
  const futureStamped =
    future.length === 0
      ? ''
      : `<h2>Rows stamped later than the source's clock</h2><p class="muted">Not read until their time comes; correct their last_updated in the source to have them now.</p>${future
          .map((f) => `<div class="gap"><code>${escape(futureStampedText(f))}</code></div>`)
          .join('\n')}`;
  const held = Object.entries(status.tables).flatMap(([table, t]) =>
    t.deletesHeld ? [{ table, held: t.deletesHeld }] : [],
  );
  const deletesHeld =
    held.length === 0
      ? ''
      : `<h2 id="deletes-held">Deletes held by the guard</h2><p class="muted">Gone from the source, none landed: check the source (a truncated or restored table?) before confirming.</p>${held
          .map(
            (h) =>
              `<div class="failure" data-table="${escape(h.table)}"><b>${escape(h.table)}</b>: ${escape(deletesHeldText(h.table, h.held))}</div>`,
          )
          .join('\n')}`;
  const applied = Object.entries(status.tables).flatMap(([table, t]) =>
    t.deletesApplied ? [{ table, applied: t.deletesApplied }] : [],
  );
  const deletesApplied =
    applied.length === 0
      ? ''
      : `<h2 id="deletes-applied">Deletes applied</h2><p class="muted">Per source table, the newest loaded batch that marked rows deleted.</p>${applied
          .map(
            (a) =>
              `<div class="gap" data-table="${escape(a.table)}"><b>${escape(a.table)}</b>: ${escape(deletesAppliedText(a.applied))}</div>`,
          )
          .join('\n')}`;
  const schemaChanges =
    status.schemaChanges.length === 0
      ? ''
      : `<h2 id="schema-changes">Source columns that differ from the catalogue</h2><p class="muted">As each table's last ingest found them; docs/extending.md says how to take a column into the warehouse.</p>${status.schemaChanges
          .map(
            (c) =>
              `<div class="${c.stops ? 'failure' : 'gap'}" data-table="${escape(c.table)}"><code>${escape(schemaChangeText(c))}</code></div>`,
          )
          .join('\n')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Deliverance status</title><style>${CSS}</style></head>
<body>
<h1>Deliverance status${status.environment ? ` of ${escape(status.environment)}` : ''}<small>generated ${escape(status.generatedAt)}</small></h1>
<div class="summary">
<div class="card"><span class="muted">Last loaded batch</span><b class="mono">${escape(w.lastLoadedBatchId ?? '—')}</b></div>
<div class="card" data-freshness="${freshnessState(w.freshnessSeconds, threshold)}"><span>Warehouse complete up to (age)</span>${freshnessCell('b', w.freshnessSeconds, w.completeUpTo, threshold)}</div>
${(status.deadLetters ?? []).map((q) => `<div class="card"><span class="muted">Dead letters: ${escape(q.name)}</span><b>${q.messages}</b></div>`).join('')}
${status.alarms ? `<div class="card"><span class="muted">Alarms not OK</span><b>${status.alarms.filter((a) => a.state !== 'OK').length}</b></div>` : ''}
<div class="card"><span class="muted">Failures</span><b>${status.failures.filter((f) => f.resolvedAt === null).length}</b></div>
<div class="card"><span class="muted">Parked</span><b>${status.parked.length}</b></div>
<div class="card"><span class="muted">Gaps</span><b>${status.gaps.length}</b></div>
<div class="card"><span class="muted">Tables with deletes held</span><b>${held.length}</b></div>
<div class="card"><span class="muted">Schema changes</span><b>${status.schemaChanges.length}</b></div>
</div>
<h2>Source tables</h2>
<table id="tables"><thead><tr><th>table</th><th>complete up to<br>(age)</th><th>newest change<br>(age)</th><th>latest batch</th><th title="rows in the newest batch that had rows of the table">rows</th><th>watermark</th><th>last batch</th></tr></thead>
<tbody>${tableRows}</tbody></table>
<p class="legend-line muted" id="freshness-legend">Ages are coloured <span data-freshness="fresh">fresh</span> up to the freshness alarm's threshold of ${escape(thresholdText(threshold))} and <span data-freshness="stale">stale</span> beyond it; <span data-freshness="unknown">—</span> nothing loaded yet. Stages: ${stateLegend()}</p>
<h2>Run history, newest first</h2>
<table id="runs"><thead><tr><th>batch</th>${PIPELINE_STAGES.map((s) => `<th>${s}</th>`).join('')}<th>rows landed</th></tr></thead>
<tbody>${runRows || '<tr><td colspan="5" class="muted">No runs recorded yet.</td></tr>'}</tbody></table>
<h2>Stage durations, newest first</h2>
${durationsChart(status)}
<h2>Failures</h2>
${failures}
${parked}
${gaps}
${futureStamped}
${deletesHeld}
${deletesApplied}
${schemaChanges}
</body></html>
`;
}
