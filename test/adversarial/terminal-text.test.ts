import { formatAnalyticsText } from '../../cli/analytics/format-analytics-text';
import { errorLine, EXIT } from '../../cli/error-line';
import { UsageError } from '../../cli/settings';
import { formatStatusText } from '../../cli/status/format-status-text';
import type { PipelineStatus } from '../../cli/status/pipeline-status';
import { formatTable } from '../../cli/table-format';
import { terminalText } from '../../cli/terminal-text';
import { ANALYST_VIEWS } from '../../contract/analyst-views';
import { StateFolderBusyError } from '../../local/state-lock';

/**
 * Text a source row, a run record or an error message could carry to an operator's terminal:
 * clear the screen and home the cursor, ring, return to the line's start to overwrite it, the
 * one-character CSI of C1, DEL, NUL, a line break, and a right-to-left override.
 */
const HOSTILE = 'a\x1b[2J\x1b[Hb\x07c\rd\u009b31me\x7ff\x00g\nh\u202ei\u2066j';

/** Any character a terminal acts on, but the line feeds a formatter puts between its lines. */
const ACTING_BUT_NEWLINE =
  // eslint-disable-next-line no-control-regex -- the test looks for exactly these
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('text output escapes control characters', () => {
  it('writes each acting character as a visible escape and keeps the printable ones', () => {
    expect(terminalText(HOSTILE)).toBe(
      'a\\x1b[2J\\x1b[Hb\\x07c\\x0dd\\x9b31me\\x7ff\\x00g\\x0ah\\u202ei\\u2066j',
    );
    expect(terminalText('Zoë Müller 漢字 £12.50 – ok')).toBe('Zoë Müller 漢字 £12.50 – ok');
  });

  it('a table cell from the data cannot act on the terminal, nor break the table into lines', () => {
    const table = formatTable(['design_name', 'units'], [[HOSTILE, 3]]);
    expect(table).not.toMatch(ACTING_BUT_NEWLINE);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('\\x1b[2J');
  });

  it('analytics text: a hostile design name prints escaped, and the lines stay the formatter’s', () => {
    const view = ANALYST_VIEWS.find((v) => v.name === 'top_designs_by_revenue')!;
    const text = formatAnalyticsText({
      generatedAt: '2026-12-05T00:00:00.000Z',
      views: [
        {
          view,
          panels: [],
          rows: [view.table.map((column) => (column === 'design_name' ? HOSTILE : '1'))],
          totalRows: 1,
        },
      ],
    });
    expect(text).not.toMatch(ACTING_BUT_NEWLINE);
    expect(text).toContain('a\\x1b[2J\\x1b[Hb\\x07c');
    // The title, the header, its rule and the one row.
    expect(text.split('\n')).toHaveLength(4);
  });

  it('status text: a failure message and a batch id from the run log print escaped', () => {
    const status: PipelineStatus = {
      generatedAt: '2026-12-05T00:00:00.000Z',
      tables: {},
      warehouse: {
        lastLoadedBatchId: `20261205T000000000Z-${HOSTILE}`,
        loadedAt: null,
        completeUpTo: null,
        freshnessSeconds: null,
        newestSourceChange: null,
        newestChangeAgeSeconds: null,
      },
      runs: [],
      failures: [
        {
          batchId: HOSTILE,
          stage: 'load',
          at: '2026-12-05T00:00:00Z',
          error: HOSTILE,
          resolvedAt: null,
          resolvedBy: null,
        },
      ],
      gaps: [],
      schemaChanges: [],
      parked: [],
      environment: null,
      deadLetters: null,
      alarms: null,
    };
    const text = formatStatusText(status);
    expect(text).not.toMatch(ACTING_BUT_NEWLINE);
    // The failure's message, escaped, on its own line below its batch (it does not fit beside).
    expect(text).toContain(`load at 2026-12-05T00:00:00Z:\n    ${terminalText(HOSTILE)}\n`);
    expect(text).not.toContain(HOSTILE.slice(0, 3));
  });
});

describe('the error line of a failed command', () => {
  const stateDir = '/tmp/state';

  it('escapes the message and keeps its first line only', () => {
    const { line, code } = errorLine(new Error(`bad value ${HOSTILE}`), stateDir);
    expect(line).not.toMatch(ACTING_BUT_NEWLINE);
    expect(line).not.toContain('\n');
    expect(line).toBe(terminalText(`bad value ${HOSTILE}`.split('\n')[0]!));
    expect(code).toBe(EXIT.failure);
  });

  it('says something useful for a rejection with nothing, never "undefined"', () => {
    for (const thrown of [undefined, null, '', new Error(''), { toString: () => '' }]) {
      const { line, code } = errorLine(thrown, stateDir);
      expect(line).not.toMatch(/^(undefined|null|)$/);
      expect(line).toMatch(/DELIVERANCE_DEBUG/);
      expect(code).toBe(EXIT.failure);
    }
    expect(errorLine(new Error('', { cause: new Error('the cause') }), stateDir).line).toBe(
      'the cause',
    );
  });

  it('names a full disk, the path written and what to do, with its own exit code', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      path: '/tmp/state/watermarks.json.tmp',
    });
    const wrapped = new Error('writing the watermark failed', { cause: full });
    expect(errorLine(wrapped, stateDir)).toEqual({
      line: 'no space left on device writing /tmp/state/watermarks.json.tmp: free space or set DELIVERANCE_STATE_DIR (now /tmp/state) to a folder on a disk with room and write access, TMPDIR likewise for scratch files, and run again',
      code: EXIT.localFault,
    });
    const pgFull = Object.assign(new Error('could not extend file "base/16384/2619": No space'), {
      code: '53100',
    });
    expect(errorLine(pgFull, stateDir).line).toMatch(
      /^no space left on device \(could not extend file .*\): free space/,
    );
  });

  it('keeps the usage and busy-folder exit codes apart', () => {
    expect(errorLine(new UsageError('bad option'), stateDir).code).toBe(EXIT.usage);
    const holder = { pid: 1, command: 'run', startedAt: 'now' };
    expect(errorLine(new StateFolderBusyError(holder, 'held'), stateDir).code).toBe(
      EXIT.stateFolderBusy,
    );
  });
});
