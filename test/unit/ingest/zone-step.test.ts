import {
  rebaseWatermark,
  zoneOffsetsAfter,
  zoneStepBack,
  zoneStepText,
} from '../../../lambdas/ingest/zone-step';

const utc = { database: 'totesys', name: 'UTC', utcOffsetSeconds: 0 };

describe("the source's TimeZone stepping back", () => {
  it('is found per table whose watermark was read at a higher UTC offset, with its own step', () => {
    const step = zoneStepBack({ staff: 3600, payment: 1800, design: 0 }, utc, [
      'staff',
      'payment',
      'design',
      'address',
    ]);
    expect(step).toEqual({
      database: 'totesys',
      zone: 'UTC',
      seconds: 3600,
      tables: { staff: 3600, payment: 1800 },
    });
  });

  it('is not found for the same zone, a zone stepped forward, a table never recorded, or a table not read', () => {
    const london = { ...utc, name: 'Europe/London', utcOffsetSeconds: 3600 };
    expect(zoneStepBack({ staff: 3600 }, london, ['staff'])).toBeUndefined();
    expect(zoneStepBack({ staff: 0 }, london, ['staff'])).toBeUndefined();
    expect(zoneStepBack({}, utc, ['staff'])).toBeUndefined();
    expect(zoneStepBack({ staff: 3600 }, utc, ['payment'])).toBeUndefined();
  });

  it('moves a complete watermark back by the step, to the microsecond', () => {
    expect(rebaseWatermark('2026-10-25T01:30:00.000001Z', 3600)).toBe(
      '2026-10-25T00:30:00.000001Z',
    );
    expect(rebaseWatermark('2026-10-25T01:30:00.000000Z', 2.5)).toBe('2026-10-25T01:29:57.500000Z');
  });

  it('starts a backfill over from its own start moved back, or from the start of the table', () => {
    const after = { lastUpdated: '2026-10-25T01:00:00.000000Z', key: 7 };
    const backfill = (through: string | null) =>
      JSON.stringify({ through, until: '2026-10-25T01:30:00.000000Z', after });
    expect(rebaseWatermark(backfill('2026-10-25T00:45:00.000000Z'), 3600)).toBe(
      '2026-10-24T23:45:00.000000Z',
    );
    expect(rebaseWatermark(backfill(null), 3600)).toBeUndefined();
  });

  it('leaves what is no watermark for the window to refuse', () => {
    expect(rebaseWatermark('yesterday', 3600)).toBe('yesterday');
  });

  it("records the zone's offset for the tables read, keeping the others', and nothing when unchanged", () => {
    expect(zoneOffsetsAfter({ staff: 3600, payment: 3600 }, utc, ['staff'])).toEqual({
      staff: 0,
      payment: 3600,
    });
    expect(zoneOffsetsAfter({ staff: 0 }, utc, ['staff'])).toBeUndefined();
    expect(zoneOffsetsAfter({}, utc, ['staff'])).toEqual({ staff: 0 });
  });

  it('is told in one line naming the database, the step, the zone and the tables', () => {
    expect(
      zoneStepText({ database: 'totesys', zone: 'UTC', seconds: 3600, tables: { staff: 3600 } }),
    ).toMatch(
      /^The TimeZone of the source database totesys stepped back 3600 s \(now UTC\) since staff was last read: .* its window starts back by the step and none is skipped; keep the source's TimeZone fixed/,
    );
  });

  it('is the difference of the two offsets when the zone now is not UTC', () => {
    const london = { ...utc, name: 'Europe/London', utcOffsetSeconds: 3600 };
    expect(zoneStepBack({ staff: 7200 }, london, ['staff'])?.tables).toEqual({ staff: 3600 });
  });

  it('names several tables in order, and says "were" and "their windows"', () => {
    expect(
      zoneStepText({
        database: 'totesys',
        zone: 'UTC',
        seconds: 3600,
        tables: { staff: 3600, payment: 1800 },
      }),
    ).toBe(
      "The TimeZone of the source database totesys stepped back 3600 s (now UTC) since payment, staff were last read: rows stamped after the step are stamped behind what was read, so their windows start back by the step and none is skipped; keep the source's TimeZone fixed (UTC) (docs/guarantees.md §2)",
    );
  });
});
