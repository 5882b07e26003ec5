import { extractWindow, nextWatermark, parseTimestamp } from '../../../lambdas/ingest/window';

describe('extract window', () => {
  it('reads everything up to the upper bound on a first run', () => {
    expect(extractWindow(undefined, '2026-01-01T00:00:00.000Z', 300)).toEqual({
      from: undefined,
      to: '2026-01-01T00:00:00.000Z',
    });
  });

  it('re-reads the overlap behind the watermark', () => {
    expect(extractWindow('2026-01-01T00:10:00.000Z', '2026-01-01T00:15:00.250Z', 300)).toEqual({
      from: '2026-01-01T00:05:00.000Z',
      to: '2026-01-01T00:15:00.250Z',
    });
  });

  it('keeps millisecond precision across day boundaries', () => {
    expect(extractWindow('2026-03-01T00:00:00.001Z', '2026-03-01T00:01:00.000Z', 1).from).toBe(
      '2026-02-28T23:59:59.001Z',
    );
  });

  it('with no overlap starts exactly at the watermark', () => {
    expect(extractWindow('2026-01-01T00:10:00.000Z', '2026-01-01T00:11:00.000Z', 0).from).toBe(
      '2026-01-01T00:10:00.000Z',
    );
  });

  it('never produces an empty-or-negative window when the source clock went backwards', () => {
    const window = extractWindow('2026-01-01T00:10:00.000Z', '2026-01-01T00:00:00.000Z', 60);
    expect(window.from).toBe('2026-01-01T00:09:00.000Z');
    expect(window.to).toBe('2026-01-01T00:09:00.000Z');
  });

  it('refuses a negative overlap and malformed timestamps', () => {
    expect(() => extractWindow(undefined, '2026-01-01T00:00:00.000Z', -1)).toThrow(/non-negative/);
    expect(() => extractWindow('2026-01-01 00:00', '2026-01-01T00:00:00.000Z', 1)).toThrow(
      /ISO-8601/,
    );
    expect(() => parseTimestamp("2026-01-01T00:00:00.000Z'; DROP TABLE x", 'x')).toThrow();
  });
});

describe('next watermark', () => {
  it('is the upper bound of a first run', () => {
    expect(nextWatermark(undefined, { from: undefined, to: '2026-01-01T00:00:00.000Z' })).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('advances to the window upper bound', () => {
    const window = extractWindow('2026-01-01T00:10:00.000Z', '2026-01-01T00:20:00.000Z', 300);
    expect(nextWatermark('2026-01-01T00:10:00.000Z', window)).toBe('2026-01-01T00:20:00.000Z');
  });

  it('never moves backwards', () => {
    const window = extractWindow('2026-01-01T00:10:00.000Z', '2026-01-01T00:00:00.000Z', 60);
    expect(nextWatermark('2026-01-01T00:10:00.000Z', window)).toBe('2026-01-01T00:10:00.000Z');
  });
});
