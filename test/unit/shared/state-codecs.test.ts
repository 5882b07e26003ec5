import { errorKind } from '../../../lambdas/shared/core/pipeline-error';
import {
  pendingSchemaChangesOf,
  sameChange,
  schemaChangeOf,
  schemaChangeText,
  type PendingSchemaChange,
} from '../../../lambdas/shared/core/schema-changes';
import { decodeTombstoneLine, tombstoneLinesOf } from '../../../lambdas/shared/core/tombstones';
import { zoneOffsetsOf } from '../../../lambdas/shared/core/zone-offsets';

/**
 * The codecs of what the ingest keeps between runs and lands beside the rows, at the edges the
 * scenario tests never reach: every kind of value that is not one, and the words each refusal
 * and each operator line uses. Written against the mutation run of 2026-12-05 (docs/testing.md).
 */

/** What `run` threw, for a look at its kind and message. */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new TypeError('expected a throw');
}

const AT = { bucket: 'landing', key: 'sales_order/b.deletes.jsonl', line: 3 };
const WHERE = 'SSM parameter /deliverance/test/zone-offsets';

describe('the UTC offsets a watermark store keeps', () => {
  it('reads an object of whole seconds by table', () => {
    expect(zoneOffsetsOf('{"staff":3600,"payment":-1800}', WHERE)).toEqual({
      staff: 3600,
      payment: -1800,
    });
    expect(zoneOffsetsOf('{}', WHERE)).toEqual({});
  });

  it.each(['not json', 'null', '[1,2]', '"3600"', '3600', '{"staff":1.5}', '{"staff":"3600"}'])(
    'refuses %s as a fatal fault naming where it is kept and what to do',
    (text) => {
      const failure = thrown(() => zoneOffsetsOf(text, WHERE));
      expect(errorKind(failure)).toBe('fatal');
      expect(failure.message).toBe(
        `${WHERE} is not a JSON object of UTC offsets in seconds by table: delete it (the next run records them again)`,
      );
    },
  );
});

describe('a tombstone line', () => {
  const decode = (text: string) => decodeTombstoneLine(text, 'sales_order', AT);

  it.each(['null', '[1]', '7', '"key"'])('refuses %s as not a JSON object', (text) => {
    expect(thrown(() => decode(text)).message).toBe(
      's3://landing/sales_order/b.deletes.jsonl line 3 (table sales_order): not a JSON object',
    );
  });

  it('refuses a key of 0, and shows what it found, cut to 40 characters, or that it found nothing', () => {
    expect(() => decode('{"key":1,"deletedAt":"2026-12-05T12:00:00.000000Z"}')).not.toThrow();
    expect(thrown(() => decode('{"key":0}')).message).toMatch(
      /column key \(table sales_order\): expected a positive integer, found 0$/,
    );
    expect(thrown(() => decode('{"deletedAt":"x"}')).message).toMatch(/found nothing$/);
    const long = 'k'.repeat(60);
    expect(thrown(() => decode(`{"key":"${long}"}`)).message).toMatch(
      new RegExp(`found "${'k'.repeat(39)}$`),
    );
    expect(thrown(() => decode('{"key":2,"deletedAt":"yesterday"}')).message).toMatch(
      /column deletedAt \(table sales_order\): expected a UTC timestamp \(YYYY-MM-DDTHH:MM:SS\.ffffffZ\), found "yesterday"$/,
    );
  });

  it("drops only a line's closing carriage return", () => {
    expect(tombstoneLinesOf('a\rb\r\n\nc\n')).toEqual([
      { text: 'a\rb', line: 1 },
      { text: 'c', line: 3 },
    ]);
  });
});

describe('a schema change read back', () => {
  const change: PendingSchemaChange = {
    table: 'payment',
    column: 'paid',
    change: 'dropped',
    before: 'boolean',
    after: null,
    firstSeen: '2026-12-05T12:00:00.000Z',
    stops: true,
  };

  it('is the same change only when table, column, kind and both types agree', () => {
    expect(sameChange(change, { ...change, firstSeen: '2026-12-06T12:00:00.000Z' })).toBe(true);
    for (const differs of [
      { table: 'staff' },
      { column: 'paid_at' },
      { change: 'retyped' },
      { before: 'text' },
      { after: 'text' },
    ] as const) {
      expect(sameChange(change, { ...change, ...differs })).toBe(false);
    }
  });

  it.each([null, [change], 'change', 7])('refuses %p as not an object', (value) => {
    expect(schemaChangeOf(value)).toBe('is not an object');
  });

  it('names the kinds it takes, and refuses an empty type', () => {
    expect(schemaChangeOf({ ...change, change: 'renamed' })).toBe(
      'change is not one of added, dropped, retyped, resized',
    );
    expect(schemaChangeOf({ ...change, before: '' })).toBe('before or after is not a type or null');
    expect(schemaChangeOf({ ...change, before: 7 })).toBe('before or after is not a type or null');
  });

  it('is told to an operator in one line per kind', () => {
    const added = {
      ...change,
      change: 'added' as const,
      before: null,
      after: 'text',
      stops: false,
    };
    expect(schemaChangeText(added)).toBe(
      'payment.paid added (text), since 2026-12-05T12:00:00.000Z: kept in landing, not in the warehouse',
    );
    expect(schemaChangeText(change)).toBe(
      'payment.paid dropped (was boolean), since 2026-12-05T12:00:00.000Z: stops payment',
    );
    const retyped = { ...change, change: 'retyped' as const, after: 'text', stops: false };
    expect(schemaChangeText(retyped)).toBe(
      'payment.paid retyped boolean → text, since 2026-12-05T12:00:00.000Z: kept in landing, not in the warehouse',
    );
    const resized = {
      ...retyped,
      change: 'resized' as const,
      before: 'varchar(5)',
      after: 'varchar(9)',
    };
    expect(schemaChangeText(resized)).toBe(
      'payment.paid resized varchar(5) → varchar(9), since 2026-12-05T12:00:00.000Z: kept, its values reach the warehouse as they are',
    );
  });

  it('refuses a store that holds no list, or a list with one bad change, naming where', () => {
    const where = 'SSM parameter /deliverance/test/schema-changes';
    expect(pendingSchemaChangesOf(JSON.stringify([change]), where)).toEqual([change]);
    for (const [text, problem] of [
      ['not json', 'is not a list'],
      ['{}', 'is not a list'],
      [JSON.stringify([change, null]), 'is not an object'],
    ]) {
      const failure = thrown(() => pendingSchemaChangesOf(text!, where));
      expect(errorKind(failure)).toBe('fatal');
      expect(failure.message).toBe(
        `${where} is not a JSON list of schema changes (one ${problem}): delete it (the next ingest finds the changes again)`,
      );
    }
  });
});
