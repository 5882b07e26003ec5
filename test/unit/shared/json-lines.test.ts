import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';
import {
  decodeJsonLine,
  encodeJsonLine,
  LandingLineError,
} from '../../../lambdas/shared/core/json-lines';

const at = { bucket: 'landing', key: 'address/b.jsonl', line: 7 };

const address = {
  address_id: 1,
  address_line_1: 'Flat "B", 6 Rue d\'Été\nsecond line',
  address_line_2: null,
  district: 'Île-de-France — 東京',
  city: 'Paris',
  postal_code: '75001',
  country: 'France',
  phone: '+33 1 23 45 67 89',
  created_at: '2024-02-29T23:59:59.999Z',
  last_updated: '2024-03-01T00:00:00.000Z',
};

describe('JSON lines', () => {
  it('encodes one row as exactly one line, escaping quotes and newlines', () => {
    const line = encodeJsonLine(address);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).toContain('\\"B\\"');
    expect(line).toContain('\\n');
    expect(line).toContain('東京');
  });

  it('round-trips every column type exactly', () => {
    const payment = {
      payment_id: 3,
      transaction_id: 4,
      counterparty_id: 5,
      payment_amount: '123456.70',
      currency_id: 1,
      payment_type_id: 2,
      paid: false,
      payment_date: '2024-03-04',
      company_ac_number: 12345678,
      counterparty_ac_number: 87654321,
      created_at: '2024-03-01T10:00:00.120Z',
      last_updated: '2024-03-02T10:00:00.001Z',
    };
    const decoded = decodeJsonLine(encodeJsonLine(payment).trimEnd(), SOURCE_TABLES.payment, at);
    expect(decoded).toEqual(payment);
    expect(typeof decoded.payment_amount).toBe('string');
    expect(decodeJsonLine(encodeJsonLine(address), SOURCE_TABLES.address, at)).toEqual(address);
  });

  it('keeps columns the catalogue does not know (schema drift)', () => {
    const drifted = { ...address, loyalty_tier: 'gold' };
    expect(decodeJsonLine(JSON.stringify(drifted), SOURCE_TABLES.address, at).loyalty_tier).toBe(
      'gold',
    );
  });

  it('names the object, line and column of a bad value', () => {
    const bad = JSON.stringify({ ...address, address_id: '1' });
    expect(() => decodeJsonLine(bad, SOURCE_TABLES.address, at)).toThrow(
      's3://landing/address/b.jsonl line 7 column address_id (table address): expected integer, found "1"',
    );
  });

  it('refuses a truncated line, a missing key and a null in a NOT NULL column', () => {
    const text = JSON.stringify(address);
    expect(() => decodeJsonLine(text.slice(0, 40), SOURCE_TABLES.address, at)).toThrow(
      LandingLineError,
    );
    const { address_id: _omitted, ...noKey } = address;
    expect(() => decodeJsonLine(JSON.stringify(noKey), SOURCE_TABLES.address, at)).toThrow(
      /column address_id .*missing/,
    );
    expect(() =>
      decodeJsonLine(JSON.stringify({ ...address, city: null }), SOURCE_TABLES.address, at),
    ).toThrow(/column city .*is null/);
    expect(() => decodeJsonLine('[1,2]', SOURCE_TABLES.address, at)).toThrow(/not a JSON object/);
  });

  it.each([
    ['not JSON', '{"address_id": 1,', /\(table address\): not JSON \(.+\)$/],
    ['a string', '"address"', /\(table address\): not a JSON object$/],
    ['null', 'null', /\(table address\): not a JSON object$/],
    ['a number', '7', /\(table address\): not a JSON object$/],
  ])('refuses a line that is %s, naming the object and line', (_, line, problem) => {
    let error: unknown;
    try {
      decodeJsonLine(line, SOURCE_TABLES.address, at);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(LandingLineError);
    expect((error as Error).name).toBe('LandingLineError');
    expect((error as Error).message).toMatch(/^s3:\/\/landing\/address\/b\.jsonl line 7 \(table/);
    expect((error as Error).message).toMatch(problem);
  });

  it('refuses a boolean column given text', () => {
    const { payment } = SOURCE_TABLES;
    const row = Object.fromEntries(
      payment.columns.map((c) => [
        c.name,
        c.type === 'integer' ? 1 : c.type === 'boolean' ? true : 'x',
      ]),
    );
    expect(() => decodeJsonLine(JSON.stringify(row), payment, at)).not.toThrow();
    expect(() => decodeJsonLine(JSON.stringify({ ...row, paid: 'true' }), payment, at)).toThrow(
      'column paid (table payment): expected boolean, found "true"',
    );
  });

  it('refuses a numeric sent as a binary float', () => {
    const payment = JSON.stringify({
      payment_id: 1,
      transaction_id: 1,
      counterparty_id: 1,
      payment_amount: 12.5,
      currency_id: 1,
      payment_type_id: 1,
      paid: true,
      payment_date: '2024-01-01',
      company_ac_number: 1,
      counterparty_ac_number: 1,
      created_at: '2024-01-01T00:00:00.000Z',
      last_updated: '2024-01-01T00:00:00.000Z',
    });
    expect(() => decodeJsonLine(payment, SOURCE_TABLES.payment, at)).toThrow(
      /payment_amount .*expected numeric/,
    );
  });
});
