import { Client, type PoolClient } from 'pg';
import { ANALYST_ROLE, ANALYST_VIEWS } from '../../contract/analyst-views';
import { defaultViewsDir, readViews } from '../../lambdas/load/migrations';
import {
  AnalystSecretError,
  analystPasswordSync,
  scramSha256Verifier,
} from '../../lambdas/load/analyst-role';
import { startSampleWarehouse, type SampleWarehouse } from './support/sample-star';

const PASSWORD = "analyst's pass; word";
let warehouse: SampleWarehouse;
let analyst: Client;

/** The warehouse URL with the analyst's credentials instead of the owner's. */
function analystUrl(password: string): string {
  const url = new URL(warehouse.url);
  url.username = ANALYST_ROLE;
  url.password = password;
  return url.toString();
}

beforeAll(async () => {
  warehouse = await startSampleWarehouse();
  const secretText = JSON.stringify({ username: ANALYST_ROLE, password: PASSWORD });
  const sync = analystPasswordSync('test/analyst', () => Promise.resolve(secretText));
  await expect(sync({ connect: connectOwner })).resolves.toBe(true);
  analyst = new Client({ connectionString: analystUrl(PASSWORD) });
  await analyst.connect();
});

/** The owner clients released and still closing: the server must not stop under them. */
const closing: Promise<void>[] = [];

afterAll(async () => {
  await Promise.all(closing);
  await analyst?.end();
  await warehouse?.stop();
});

/** A client as the owner that `release()` ends, as a pool's would return it. */
async function connectOwner(): Promise<PoolClient> {
  const client = new Client({ connectionString: warehouse.url });
  await client.connect();
  return Object.assign(client, { release: () => void closing.push(client.end()) });
}

/**
 * The SQLSTATE a statement of the analyst fails with, or `undefined` when it succeeds. It runs in
 * a transaction the analyst declares read-write, which any session may: what refuses it is then
 * the role's rights, not its read-only default.
 */
async function refusal(sql: string): Promise<string | undefined> {
  await analyst.query('BEGIN READ WRITE');
  try {
    await analyst.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await analyst.query('ROLLBACK');
  }
}

const INSERT =
  "INSERT INTO public.dim_currency (currency_id, currency_code, currency_name, source_updated_at) VALUES (99, 'XXX', 'x', now())";

describe('the analyst role', () => {
  it('logs in with the secret password only', async () => {
    const wrong = new Client({ connectionString: analystUrl('not the password') });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    const { rows } = await analyst.query<{ user: string }>('SELECT current_user AS user');
    expect(rows).toEqual([{ user: ANALYST_ROLE }]);
  });

  it('reads every analytics view, with no right on the tables beneath them', async () => {
    const views = (await readViews(defaultViewsDir())).map((v) => v.name);
    expect(views.length).toBeGreaterThanOrEqual(ANALYST_VIEWS.length);
    for (const view of views) {
      const { rowCount } = await analyst.query(`SELECT * FROM analytics.${view}`);
      expect({ view, read: (rowCount ?? 0) > 0 }).toEqual({ view, read: true });
    }
    // The rows come through the views' owner: the table itself is out of reach.
    expect(await refusal('SELECT * FROM public.fact_sales_order')).toBe('42501');
  });

  it('is refused an INSERT, an UPDATE and a read of etl.load_log', async () => {
    expect(await refusal(INSERT)).toBe('42501');
    expect(await refusal("UPDATE public.dim_currency SET currency_name = 'x'")).toBe('42501');
    expect(await refusal('SELECT * FROM etl.load_log')).toBe('42501');
    expect(await refusal('CREATE TABLE analytics.scratch (x int)')).toBe('42501');
  });

  it('opens read-only sessions, so not even a temporary table can be written', async () => {
    const code = (sql: string) =>
      analyst.query(sql).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    await expect(code(INSERT)).resolves.toBe('25006');
    await expect(code('CREATE TEMP TABLE scratch (x int)')).resolves.toBe('25006');
  });

  it('keeps its grant on a view a migration drops and the runner re-creates', async () => {
    const view = ANALYST_VIEWS[0]!.name;
    const sql = (await readViews(defaultViewsDir())).find((v) => v.name === view)!.sql;
    await warehouse.client.query(`DROP VIEW analytics.${view}`);
    await warehouse.client.query(sql);
    await expect(refusal(`SELECT * FROM analytics.${view}`)).resolves.toBeUndefined();
  });
});

describe('setting its password from the secret', () => {
  it('sends PostgreSQL a SCRAM verifier, never the password', () => {
    const verifier = scramSha256Verifier(PASSWORD, Buffer.alloc(16, 1));
    expect(verifier).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
    );
    expect(verifier).not.toContain(PASSWORD);
  });

  it('sets it again only when the secret changed', async () => {
    let text = JSON.stringify({ username: ANALYST_ROLE, password: PASSWORD });
    const sync = analystPasswordSync('test/analyst', () => Promise.resolve(text));
    const pool = { connect: connectOwner };
    expect([await sync(pool), await sync(pool)]).toEqual([true, false]);
    text = JSON.stringify({ username: ANALYST_ROLE, password: 'rotated' });
    expect(await sync(pool)).toBe(true);
    const rotated = new Client({ connectionString: analystUrl('rotated') });
    await rotated.connect();
    await rotated.end();
    text = JSON.stringify({ username: ANALYST_ROLE, password: PASSWORD });
    await sync(pool);
  });

  it.each([
    ['not JSON', `{"password": "${PASSWORD}"`],
    ['another user', JSON.stringify({ username: 'postgres', password: PASSWORD })],
    ['no password', JSON.stringify({ username: ANALYST_ROLE })],
  ])('refuses a secret with %s, naming the secret and not its text', async (_case, text) => {
    const sync = analystPasswordSync('test/analyst', () => Promise.resolve(text));
    const attempt = sync({ connect: connectOwner });
    await expect(attempt).rejects.toThrow(AnalystSecretError);
    await expect(attempt).rejects.toThrow(/^Analyst secret test\/analyst /);
    await expect(attempt).rejects.not.toThrow(PASSWORD);
  });
});
