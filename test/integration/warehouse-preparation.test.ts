import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { ANALYST_ROLE } from '../../contract/analyst-views';
import { analystPasswordSync } from '../../lambdas/load/analyst-role';
import {
  ANSWER_MARGIN_MS,
  handleWarehouseRequest,
  WAREHOUSE_SCHEMA_ID,
} from '../../lambdas/load/warehouse-preparation';
import type { CustomResourceEvent } from '../../lambdas/shared/adapters/custom-resource';
import { createPool } from '../../lambdas/shared/adapters/database-pool';
import type { StageDatabase } from '../../lambdas/shared/adapters/stage-database';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * The deploy's warehouse preparation (lambdas/load/warehouse-preparation.ts) as CloudFormation
 * drives it: each request answered at a response URL, here a local server that keeps what was
 * PUT, against the embedded warehouse.
 */
const PASSWORD = 'analyst password from the secret';
const DELIVERER_PASSWORD = 'deliverer-secret-password';
let stack: TestStack;
let server: Server;
const answers: { body: Record<string, unknown>; contentType: string | undefined }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      answers.push({
        body: JSON.parse(body) as Record<string, unknown>,
        contentType: request.headers['content-type'],
      });
      response.writeHead(request.method === 'PUT' ? 200 : 405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await stack?.stop();
});

const warehouseUrl = () => stack.stack.postgres!.url('warehouse');

/** The warehouse at `url`, opened and ended as the handler's stage database is. */
function database(url: string): StageDatabase {
  const pool = createPool(
    { connectionString: url, connectionTimeoutMillis: 5_000 },
    1,
    'warehouse',
  );
  return { open: () => Promise.resolve(pool), end: () => pool.end() };
}

const analystLogin = analystPasswordSync('test/analyst', () =>
  Promise.resolve(JSON.stringify({ username: ANALYST_ROLE, password: PASSWORD })),
);

/** Sends one request as CloudFormation would; answers what was PUT to its response URL. */
async function send(
  requestType: CustomResourceEvent['RequestType'],
  options: {
    url?: string;
    warehouse?: StageDatabase;
    physicalResourceId?: string;
    remainingMs?: number;
  } = {},
): Promise<Record<string, unknown>> {
  const { port } = server.address() as AddressInfo;
  const event: CustomResourceEvent = {
    RequestType: requestType,
    ResponseURL: `http://127.0.0.1:${port}/answers/${randomUUID()}?X-Amz-Signature=abc`,
    StackId: 'arn:aws:cloudformation:eu-west-2:123456789012:stack/Deliverance-dev/1',
    RequestId: randomUUID(),
    LogicalResourceId: 'WarehousePreparationSchema',
    ResourceType: 'Custom::WarehouseSchema',
    ResourceProperties: { Sql: 'digest' },
    ...(options.physicalResourceId ? { PhysicalResourceId: options.physicalResourceId } : {}),
  };
  const before = answers.length;
  await handleWarehouseRequest(event, {
    warehouse: options.warehouse ?? database(options.url ?? warehouseUrl()),
    setAnalystLogin: analystLogin,
    invocation: { getRemainingTimeInMillis: () => options.remainingMs ?? 60_000 },
    logger: silentLogger,
  });
  expect(answers).toHaveLength(before + 1);
  const answer = answers[before]!;
  // What the pre-signed URL was signed for: no content type.
  expect(answer.contentType ?? '').toBe('');
  expect(answer.body).toMatchObject({
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  return answer.body;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const withUser = (url: string, user: string, password: string, database?: string) => {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  if (database) u.pathname = `/${database}`;
  return u.toString();
};

// Roles belong to the cluster: this runs before any Create below has created the analyst role.
it('fails a Create by a user without CREATEROLE, naming the migration and the missing right', async () => {
  const admin = stack.stack.postgres!.url('postgres');
  await query(admin, `CREATE ROLE deliverer LOGIN PASSWORD '${DELIVERER_PASSWORD}'`);
  await query(admin, 'CREATE DATABASE plain_warehouse OWNER deliverer');
  const url = withUser(warehouseUrl(), 'deliverer', DELIVERER_PASSWORD, 'plain_warehouse');
  const answer = await send('Create', { url });
  expect(answer.Status).toBe('FAILED');
  expect(answer.PhysicalResourceId).toBe(WAREHOUSE_SCHEMA_ID);
  expect(answer.Reason).toMatch(
    /^Could not prepare the warehouse for this deploy: Migration 0004_analyst_role\.sql failed: permission denied to create role\b.*deploy again/,
  );
  expect(answer.Reason).not.toMatch(/\n/);
  expect(answer.Reason).not.toContain(DELIVERER_PASSWORD);
  // The migration ran in one transaction: nothing of it stayed.
  expect(await query(url, "SELECT to_regclass('etl.schema_migrations') AS t")).toEqual([
    { t: null },
  ]);
});

it('fails a Create against an unreachable warehouse, saying where and what to check', async () => {
  const url = withUser('postgres://127.0.0.1:1/warehouse', 'postgres', DELIVERER_PASSWORD);
  const answer = await send('Create', { url });
  expect(answer.Status).toBe('FAILED');
  expect(answer.Reason).toMatch(
    /^Could not prepare the warehouse for this deploy: Cannot reach the warehouse database at 127\.0\.0\.1:1\/warehouse \(ECONNREFUSED\): check .*warehouse secret/,
  );
  expect(answer.Reason).not.toMatch(/\n/);
  expect(answer.Reason).not.toContain(DELIVERER_PASSWORD);
});

it('fails a Create that would outlast the function before the function times out', async () => {
  const started = Date.now();
  const answer = await send('Create', {
    // A secret that never arrives, as from subnets without a route to Secrets Manager.
    warehouse: { open: () => new Promise(() => undefined), end: () => Promise.resolve() },
    remainingMs: ANSWER_MARGIN_MS + 300,
  });
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(answer.Status).toBe('FAILED');
  expect(answer.Reason).toMatch(
    /^Could not prepare the warehouse for this deploy: it did not finish within 0 s, .*check that the function's subnets reach Secrets Manager and the warehouse/,
  );
});

describe('a warehouse the deploy prepares', () => {
  it('is migrated by Create, views included, and its analyst role can log in', async () => {
    const answer = await send('Create');
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: WAREHOUSE_SCHEMA_ID });
    expect(String((answer.Data as { Applied: string }).Applied).split(' ')).toEqual(
      expect.arrayContaining(['0001', '0004', 'view:sales_by_month_country']),
    );
    const analyst = withUser(warehouseUrl(), ANALYST_ROLE, PASSWORD);
    expect(
      await query(analyst, 'SELECT count(*)::int AS n FROM analytics.sales_by_month_country'),
    ).toEqual([{ n: 0 }]);
  });

  it('is left as it is by a second Create and by an Update, which still answer SUCCESS', async () => {
    const before = await query(
      warehouseUrl(),
      'SELECT version, applied_at FROM etl.schema_migrations ORDER BY version',
    );
    for (const type of ['Create', 'Update'] as const) {
      const answer = await send(type, { physicalResourceId: WAREHOUSE_SCHEMA_ID });
      expect(answer).toMatchObject({
        Status: 'SUCCESS',
        PhysicalResourceId: WAREHOUSE_SCHEMA_ID,
        Data: { Applied: 'nothing: the schema was current' },
      });
    }
    expect(
      await query(
        warehouseUrl(),
        'SELECT version, applied_at FROM etl.schema_migrations ORDER BY version',
      ),
    ).toEqual(before);
  });

  it('is left untouched by Delete, which does not even open it', async () => {
    await query(
      warehouseUrl(),
      "INSERT INTO dim_currency (currency_id, currency_code, currency_name, source_updated_at) VALUES (1, 'GBP', 'Pound sterling', now())",
    );
    const opened: string[] = [];
    const answer = await send('Delete', {
      physicalResourceId: WAREHOUSE_SCHEMA_ID,
      warehouse: {
        open: () => {
          opened.push('open');
          return database(warehouseUrl()).open();
        },
        end: () => Promise.resolve(),
      },
    });
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: WAREHOUSE_SCHEMA_ID });
    expect(opened).toEqual([]);
    expect(await query(warehouseUrl(), 'SELECT currency_code FROM dim_currency')).toEqual([
      { currency_code: 'GBP' },
    ]);
    expect(
      await query(
        warehouseUrl(),
        "SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'deliverance_analyst' AND rolcanlogin",
      ),
    ).toEqual([{ n: 1 }]);
  });
});
