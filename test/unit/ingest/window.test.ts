import {
  extractWindow,
  nextWatermark,
  readWatermark,
  timestampLiteral,
  WatermarkError,
  type SourceClock,
} from '../../../lambdas/ingest/window';

/** A source clock with no open transaction: the bound is the clock. */
const at = (now: string): SourceClock => ({ upper: now, now });

describe('extract window', () => {
  it('reads everything up to the upper bound on a first run', () => {
    expect(extractWindow('payment', undefined, at('2026-01-01T00:00:00.000000Z'), 300)).toEqual({
      from: undefined,
      to: '2026-01-01T00:00:00.000000Z',
    });
  });

  it('re-reads the overlap behind the watermark', () => {
    const clock = at('2026-01-01T00:15:00.250000Z');
    expect(extractWindow('payment', '2026-01-01T00:10:00.000000Z', clock, 300)).toEqual({
      from: '2026-01-01T00:05:00.000000Z',
      to: '2026-01-01T00:15:00.250000Z',
    });
  });

  it('keeps microsecond precision across day boundaries', () => {
    const clock = at('2026-03-01T00:01:00.000000Z');
    expect(extractWindow('payment', '2026-03-01T00:00:00.000001Z', clock, 1).from).toBe(
      '2026-02-28T23:59:59.000001Z',
    );
  });

  it('with no overlap starts exactly at the watermark, to the microsecond', () => {
    const clock = at('2026-01-01T00:11:00.000000Z');
    expect(extractWindow('payment', '2026-01-01T00:10:00.123457Z', clock, 0).from).toBe(
      '2026-01-01T00:10:00.123457Z',
    );
  });

  it('reads a millisecond watermark of an earlier release as the same instant', () => {
    const clock = at('2026-01-01T00:11:00.000000Z');
    expect(extractWindow('payment', '2026-01-01T00:10:00.123Z', clock, 0).from).toBe(
      '2026-01-01T00:10:00.123000Z',
    );
  });

  it('waits, without moving backwards, while an open transaction holds the bound behind the watermark', () => {
    const clock = { upper: '2026-01-01T00:00:00.000000Z', now: '2026-01-01T00:20:00.000000Z' };
    const window = extractWindow('payment', '2026-01-01T00:10:00.000000Z', clock, 60);
    expect(window).toEqual({
      from: '2026-01-01T00:09:00.000000Z',
      to: '2026-01-01T00:09:00.000000Z',
    });
  });

  it("refuses a watermark later than the source's clock, naming the table, both times and where it is kept", () => {
    const attempt = () =>
      extractWindow(
        'sales_order',
        '2027-06-01T00:00:00.000000Z',
        at('2026-01-01T00:00:00.500000Z'),
        60,
        'the SSM parameter /deliverance/prod/watermarks/sales_order',
      );
    expect(attempt).toThrow(WatermarkError);
    expect(attempt).toThrow(
      "The watermark of sales_order (2027-06-01T00:00:00.000000Z) is later than the source's clock (2026-01-01T00:00:00.500000Z), so every window would be empty: set the SSM parameter /deliverance/prod/watermarks/sales_order to",
    );
  });

  it('refuses a watermark a microsecond ahead of the clock, and takes one equal to it', () => {
    const clock = at('2026-01-01T00:00:00.500000Z');
    expect(() => extractWindow('staff', '2026-01-01T00:00:00.500001Z', clock, 0)).toThrow(
      WatermarkError,
    );
    expect(extractWindow('staff', '2026-01-01T00:00:00.500000Z', clock, 0).to).toBe(
      '2026-01-01T00:00:00.500000Z',
    );
  });

  it('refuses a watermark that is not a timestamp the same way', () => {
    const attempt = () =>
      extractWindow('staff', 'yesterday', at('2026-01-01T00:00:00.000000Z'), 1, 'the file');
    expect(attempt).toThrow(WatermarkError);
    expect(attempt).toThrow(
      'The watermark of staff is not a timestamp ("yesterday"): set the file',
    );
  });

  it('refuses a negative overlap and a malformed upper bound', () => {
    const clock = at('2026-01-01T00:00:00.000000Z');
    expect(() => extractWindow('staff', undefined, clock, -1)).toThrow(/non-negative/);
    expect(() => extractWindow('staff', undefined, at('2026-01-01 00:00'), 1)).toThrow(/ISO-8601/);
  });
});

describe('window bounds in SQL', () => {
  it('are timestamps with microseconds', () => {
    expect(timestampLiteral('2026-01-01T00:00:00.123456Z')).toBe(
      "'2026-01-01 00:00:00.123456'::timestamp",
    );
  });

  it('cannot carry SQL', () => {
    expect(() => timestampLiteral("2026-01-01T00:00:00.000Z'; DROP TABLE x")).toThrow();
  });
});

describe('next watermark', () => {
  it('is the upper bound of a first run', () => {
    expect(nextWatermark(undefined, { from: undefined, to: '2026-01-01T00:00:00.000000Z' })).toBe(
      '2026-01-01T00:00:00.000000Z',
    );
  });

  it('advances to the window upper bound', () => {
    const window = extractWindow(
      'payment',
      '2026-01-01T00:10:00.000000Z',
      at('2026-01-01T00:20:00.000000Z'),
      300,
    );
    expect(nextWatermark('2026-01-01T00:10:00.000000Z', window)).toBe(
      '2026-01-01T00:20:00.000000Z',
    );
  });

  it('never moves backwards', () => {
    const clock = { upper: '2026-01-01T00:00:00.000000Z', now: '2026-01-01T00:20:00.000000Z' };
    const window = extractWindow('payment', '2026-01-01T00:10:00.000000Z', clock, 60);
    expect(nextWatermark('2026-01-01T00:10:00.000000Z', window)).toBe(
      '2026-01-01T00:10:00.000000Z',
    );
  });
});

describe('a backfill in progress', () => {
  const clock = at('2026-01-01T00:20:00.000000Z');
  const upTo = { lastUpdated: '2025-06-01T00:00:00.000000Z', key: 42 };

  it('is stored after a capped batch: the same window, and the cursor reached', () => {
    const window = extractWindow('payment', '2026-01-01T00:10:00.000000Z', clock, 300);
    const stored = nextWatermark('2026-01-01T00:10:00.000000Z', { ...window, upTo });
    expect(readWatermark(stored)).toEqual({
      kind: 'backfill',
      through: '2026-01-01T00:10:00.000000Z',
      until: '2026-01-01T00:20:00.000000Z',
      after: upTo,
    });
  });

  it('goes on in the pinned window after the cursor, whatever the clock says now', () => {
    const stored = nextWatermark(undefined, {
      from: undefined,
      to: '2026-01-01T00:20:00.000000Z',
      upTo,
    });
    const later = at('2026-01-01T09:00:00.000000Z');
    expect(extractWindow('payment', stored, later, 300)).toEqual({
      from: undefined,
      to: '2026-01-01T00:20:00.000000Z',
      after: upTo,
    });
  });

  it('ends at the pinned upper bound once a batch reads the rest', () => {
    const stored = nextWatermark('2026-01-01T00:10:00.000000Z', {
      from: '2026-01-01T00:05:00.000000Z',
      to: '2026-01-01T00:20:00.000000Z',
      upTo,
    });
    const rest = extractWindow('payment', stored, at('2026-01-01T09:00:00.000000Z'), 300);
    expect(rest.from).toBe('2026-01-01T00:05:00.000000Z');
    expect(nextWatermark(stored, rest)).toBe('2026-01-01T00:20:00.000000Z');
  });

  it('is refused when its cursor is past its window, or its window past the clock', () => {
    const bad = JSON.stringify({
      through: null,
      until: '2026-01-01T00:00:00.000000Z',
      after: { lastUpdated: '2026-02-01T00:00:00.000000Z', key: 1 },
    });
    expect(readWatermark(bad)).toBeUndefined();
    expect(() => extractWindow('payment', bad, clock, 0)).toThrow(WatermarkError);
    const ahead = JSON.stringify({
      through: null,
      until: '2099-01-01T00:00:00.000000Z',
      after: upTo,
    });
    expect(() => extractWindow('payment', ahead, clock, 0)).toThrow(
      /later than the source's clock/,
    );
  });
});

describe('what a refusal says', () => {
  const clock = at('2026-01-01T00:00:00.000000Z');

  it('is a WatermarkError by name, pointing at the watermark store when no place is given', () => {
    const error = (() => {
      try {
        extractWindow('staff', 'yesterday', clock, 1);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.name).toBe('WatermarkError');
    expect(error?.message).toContain(': set the watermark store to the last time');
  });

  it('quotes at most 40 characters of a watermark that is not one', () => {
    expect(() => extractWindow('staff', 'x'.repeat(100), clock, 1)).toThrow(
      `(${JSON.stringify('x'.repeat(40))})`,
    );
  });

  it('names the bound or clock reading that is not a timestamp', () => {
    expect(() => extractWindow('staff', undefined, at('soon'), 1)).toThrow(
      'The upper bound "soon" is not an ISO-8601 UTC timestamp',
    );
    expect(() =>
      extractWindow('staff', '2025-01-01T00:00:00.000000Z', { upper: clock.upper, now: 'now' }, 1),
    ).toThrow(`The source's clock "now" is not an ISO-8601 UTC timestamp`);
    expect(() =>
      nextWatermark('2025-01-01T00:00:00.000000Z', { from: undefined, to: 'x' }),
    ).toThrow('The upper bound "x" is not');
    expect(() => timestampLiteral('x')).toThrow('A window bound "x" is not');
  });
});

describe('a stored backfill that is not one this release writes', () => {
  const valid = {
    through: '2026-01-01T00:00:00.000000Z',
    until: '2026-01-02T00:00:00.000000Z',
    after: { lastUpdated: '2026-01-01T12:00:00.000000Z', key: 7 },
  };
  const text = (change: Record<string, unknown>) => JSON.stringify({ ...valid, ...change });

  it('is read when every part is there, its cursor at most at its end', () => {
    expect(readWatermark(text({}))).toEqual({ kind: 'backfill', ...valid });
    const atEnd = { lastUpdated: valid.until, key: 7 };
    expect(readWatermark(text({ after: atEnd }))).toEqual({
      kind: 'backfill',
      ...valid,
      after: atEnd,
    });
  });

  it.each([
    ['a start that is not a timestamp', { through: 'monday' }],
    ['no end', { until: undefined }],
    ['a cursor without a time', { after: { key: 7 } }],
    ['a cursor key that is not an integer', { after: { ...valid.after, key: 7.5 } }],
    ['a cursor without a key', { after: { lastUpdated: valid.after.lastUpdated } }],
  ])('is refused with %s', (_what, change) => {
    expect(readWatermark(text(change))).toBeUndefined();
  });

  it('is refused when it is not JSON at all', () => {
    expect(readWatermark('{"through": ')).toBeUndefined();
  });
});
