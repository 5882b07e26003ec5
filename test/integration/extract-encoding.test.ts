import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.source.query(await readFile(join(__dirname, '../../sql/totesys/schema.sql'), 'utf8'));
  await stack.source.query(`
    INSERT INTO address VALUES
      (1, 'Flat "B", 6 Rue d''Été' || chr(10) || 'Back door', NULL, 'Île-de-France — 東京', 'Paris', '75001',
       'France', '+33 1', '2024-02-29 23:59:59.999', '2024-03-01 00:00:00'),
      (2, 'Tab' || chr(9) || 'and \\ backslash', 'Unit 2', NULL, 'Leeds', 'LS1', 'UK', '0113',
       '2024-01-01 00:00:00.5', '2024-01-01 00:00:00.5');
    INSERT INTO counterparty VALUES (1, 'Acme', 1, NULL, NULL, '2024-01-01', '2024-01-01');
    INSERT INTO currency VALUES (1, 'GBP', '2024-01-01', '2024-01-01');
    INSERT INTO payment_type VALUES (1, 'SALES_RECEIPT', '2024-01-01', '2024-01-01');
    INSERT INTO transaction VALUES (1, 'SALE', NULL, NULL, '2024-01-01', '2024-01-01');
    INSERT INTO payment VALUES
      (1, 1, 1, 123456.70, 1, 1, false, '2024-03-04', 12345678, 87654321,
       '2024-03-01 10:00:00.12', '2024-03-02 10:00:00.001');
  `);
  await runIngest({
    source: new PostgresSource(stack.source),
    landing: stack.landing,
    watermarks: stack.watermarks,
    logger: silentLogger,
    overlapSeconds: 300,
    tables: ['address', 'payment', 'transaction'],
  });
});
afterAll(() => stack.stop());

async function landedLines(table: string): Promise<string[]> {
  const [key] = (await stack.landing.list(`${table}/`)).filter((k) => k.endsWith('.jsonl'));
  const text = (await stack.landing.get(key!)).toString('utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

describe('ingest writes each row as one exact JSON line', () => {
  it('keeps quotes, newlines, tabs, backslashes and non-ASCII text on one line', async () => {
    const rows = (await landedLines('address')).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    const byId = new Map(rows.map((r) => [r.address_id, r]));
    expect(byId.get(1)).toMatchObject({
      address_line_1: 'Flat "B", 6 Rue d\'Été\nBack door',
      address_line_2: null,
      district: 'Île-de-France — 東京',
    });
    expect(byId.get(2)).toMatchObject({ address_line_1: 'Tab\tand \\ backslash', district: null });
  });

  it("writes timestamps as ISO-8601 UTC with microseconds, PostgreSQL's own resolution", async () => {
    const rows = (await landedLines('address')).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    const byId = new Map(rows.map((r) => [r.address_id, r]));
    expect(byId.get(1)).toMatchObject({
      created_at: '2024-02-29T23:59:59.999000Z',
      last_updated: '2024-03-01T00:00:00.000000Z',
    });
    expect(byId.get(2)?.created_at).toBe('2024-01-01T00:00:00.500000Z');
  });

  it('writes numerics as exact decimal text, never as binary floats, and booleans and enums as JSON', async () => {
    const [line] = await landedLines('payment');
    expect(line).toMatch(/"payment_amount"\s*:\s*"123456\.70"/);
    const payment = JSON.parse(line!) as Record<string, unknown>;
    expect(payment).toMatchObject({ payment_amount: '123456.70', paid: false, payment_id: 1 });
    const [transaction] = await landedLines('transaction');
    expect(JSON.parse(transaction!)).toMatchObject({
      transaction_type: 'SALE',
      sales_order_id: null,
      purchase_order_id: null,
    });
  });
});
