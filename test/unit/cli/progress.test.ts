import { Progress, type ProgressStream } from '../../../cli/progress';

/** A stream that keeps what was written, and a clock and timer the test moves by hand. */
function harness(live: boolean) {
  let written = '';
  let now = 0;
  let tick: (() => void) | undefined;
  const stream: ProgressStream = { write: (text: string) => (written += text), columns: 60 };
  const progress = new Progress('run', {
    stream,
    live,
    intervalMs: 5000,
    now: () => now,
    setInterval: (fn) => {
      tick = fn;
      return {};
    },
    clearInterval: () => (tick = undefined),
  });
  return {
    progress,
    written: () => written,
    /** Moves the clock by `ms`, a timer tick every second of it. */
    advance(ms: number) {
      for (let t = 0; t < ms; t += 1000) {
        now += 1000;
        tick?.();
      }
    },
    ticking: () => tick !== undefined,
  };
}

describe('progress on a pipe (not a terminal)', () => {
  it('prints a line every 5 s while a stage runs, with its table, rows and rate', () => {
    const h = harness(false);
    h.progress.start('ingest', 'B1');
    h.progress.table('sales_order', 40_000);
    h.advance(4000);
    expect(h.written()).toBe('');
    h.advance(1000);
    expect(h.written()).toBe(
      '  ingest B1 · sales_order · 40,000 rows so far · 8,000 rows/s · 5.0 s\n',
    );
    h.advance(5000);
    expect(h.written().split('\n')).toHaveLength(3);
  });

  it('leaves one line per finished stage, and ends with one summary line', () => {
    const h = harness(false);
    h.progress.start('ingest', 'B1');
    h.progress.table('staff', 10);
    h.progress.table('payment', 1990);
    h.advance(2000);
    h.progress.end('ingest');
    h.progress.start('transform', 'B1');
    h.advance(1000);
    h.progress.finish('1 batch, 2,000 rows landed');
    expect(h.written()).toBe(
      [
        '  ingest B1: 2 tables, 2,000 rows in 2.0 s (1,000 rows/s)',
        '  transform B1: 0 tables, 0 rows in 1.0 s',
        'run: done in 3.0 s: 1 batch, 2,000 rows landed',
        '',
      ].join('\n'),
    );
    expect(h.ticking()).toBe(false);
  });

  it('follows steps side by side, each table counted to its own step, each ending alone', () => {
    const h = harness(false);
    h.progress.start('load', 'B1');
    h.progress.start('ingest', 'B2');
    h.progress.table('payment', 500, 'load');
    h.progress.table('sales_order', 3000, 'ingest');
    h.advance(5000);
    expect(h.written()).toBe(
      [
        '  load B1 · payment · 500 rows so far · 100 rows/s · 5.0 s',
        '  ingest B2 · sales_order · 3,000 rows so far · 600 rows/s · 5.0 s',
        '',
      ].join('\n'),
    );
    h.progress.end('load');
    h.advance(1000);
    h.progress.end('ingest');
    expect(h.written().split('\n').slice(2)).toEqual([
      '  load B1: 1 table, 500 rows in 5.0 s (100 rows/s)',
      '  ingest B2: 1 table, 3,000 rows in 6.0 s (500 rows/s)',
      '',
    ]);
  });

  it('writes no control characters, whatever a table is called', () => {
    const h = harness(false);
    h.progress.start('load', 'B1');
    h.progress.table('x\x1b[2Jy', 1);
    h.advance(5000);
    expect(h.written()).toContain('x\\x1b[2Jy');
    expect(h.written()).not.toContain('\x1b');
  });
});

describe('progress on a terminal', () => {
  it('rewrites one live line in place, cut to the width, and clears it before other lines', () => {
    const h = harness(true);
    h.progress.start('transform', '20261205T100356876Z-5e27b2');
    h.progress.table('sales_order', 123_456);
    h.advance(1000);
    const live = h.written().split('\r\x1b[2K').at(-1) ?? '';
    expect(live).toMatch(/^ {2}transform 20261205T100356876Z-5e27b2 · sales_order · 123/);
    expect(live.length).toBeLessThanOrEqual(59);
    expect(h.written()).not.toContain('\n');
    h.progress.finish('done');
    // eslint-disable-next-line no-control-regex -- the live line's own escape
    expect(h.written()).toMatch(/\r\x1b\[2K {2}transform 2026\S+: 1 table, 123,456 rows in 1\.0 s/);
    expect(h.written().endsWith('run: done in 1.0 s: done\n')).toBe(true);
  });
});
