import { TLSSocket } from 'node:tls';
import { Client, type ClientConfig } from 'pg';
import { ANALYST_ROLE } from '../../contract/analyst-views';
import { SOURCE_TABLE_NAMES } from '../../contract/source-catalogue';
import {
  DatabaseConnectionError,
  describeDatabase,
  explainConnectionError,
} from '../../lambdas/shared/adapters/database-pool';
import { fail, ok, skip, type CheckOutcome, type DoctorCheck } from './doctor-check';
import type { DatabaseTarget } from './database-target';

/** What a rights check may ask of an open connection. */
export type Session = Pick<Client, 'query' | 'escapeIdentifier'>;

export interface RightsCheck {
  readonly name: string;
  run(session: Session, user: string): Promise<CheckOutcome>;
}

/** The checks of one database, sharing one connection, and the means to close it. */
export interface DatabaseChecks {
  readonly checks: readonly DoctorCheck[];
  close(): Promise<void>;
}

/** Seconds doctor waits for a database: a preflight, not a Lambda invocation. */
const CONNECT_TIMEOUT_MS = 5_000;

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The settings, the connection (and TLS), then each of `rights` on that connection: a check
 * whose prerequisite failed is skipped, so one cause gives one failure.
 */
export function databaseChecks(
  target: DatabaseTarget,
  rights: readonly RightsCheck[],
): DatabaseChecks {
  const { role } = target;
  let config: ClientConfig | undefined;
  let client: Client | undefined;
  let user = '';
  const settings: DoctorCheck = {
    name: `${role} settings`,
    async run() {
      try {
        config = await target.connection();
      } catch (error) {
        const fix = (error as { fix?: string }).fix ?? target.fix;
        return fail(`${(error as Error).message}`, fix);
      }
      return ok(`${target.setting}: ${describeDatabase(config)}`);
    },
  };
  const reachable: DoctorCheck = {
    name: `${role} connection`,
    async run() {
      if (!config) return skip(`not tried: the ${role} settings are not usable`);
      const candidate = new Client({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      try {
        await candidate.connect();
      } catch (error) {
        await candidate.end().catch(() => undefined);
        return connectionFailure(error, config, target);
      }
      client = candidate;
      const found = await client.query<{ user: string; tls: boolean; tls_version: string | null }>(
        `SELECT current_user AS user, coalesce(s.ssl, false) AS tls, s.version AS tls_version
           FROM (SELECT 1) one LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid()`,
      );
      const row = found.rows[0];
      user = row?.user ?? '';
      const where = `${user}@${describeDatabase(config)}`;
      if (!row?.tls) return ok(`${where}, no TLS`);
      if (!tlsVerified(client)) {
        return fail(
          `${where}, ${row.tls_version ?? 'TLS'} but the server's certificate is not verified`,
          `verify it: sslmode=verify-full and sslrootcert=<CA file> in ${target.setting}`,
        );
      }
      return ok(`${where}, ${row.tls_version ?? 'TLS'}, certificate verified`);
    },
  };
  const onConnection = (check: RightsCheck): DoctorCheck => ({
    name: check.name,
    run: () =>
      client
        ? check.run(client, user)
        : Promise.resolve(skip(`not checked: no ${role} connection`)),
  });
  return {
    checks: [settings, reachable, ...rights.map(onConnection)],
    close: async () => {
      await client?.end().catch(() => undefined);
    },
  };
}

/** Whether the connection's TLS socket authorised the server's certificate. */
function tlsVerified(client: Client): boolean {
  // pg keeps its socket on an internal field; it is the one place the verdict is known.
  const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  return stream instanceof TLSSocket && stream.authorized;
}

function connectionFailure(
  error: unknown,
  config: ClientConfig,
  target: DatabaseTarget,
): CheckOutcome {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  const where = describeDatabase(config);
  if (TLS_CODES.has(code)) {
    return fail(
      `${where}: the server's certificate is not trusted (${code})`,
      `the certificate must chain to the CA bundle the functions trust (RDS: the region's rds-ca bundle), and name the host in ${target.setting}`,
    );
  }
  if (/does not support SSL/i.test(message)) {
    return fail(
      `${where}: the server does not offer TLS, which the connection requires`,
      `turn TLS on at the server (RDS has it on), or point ${target.setting} at the right server`,
    );
  }
  const explained = explainConnectionError(error, config, target.role);
  if (explained instanceof DatabaseConnectionError) {
    // Its closing hint names both settings; the fix below names the one that applies.
    const detail = explained.message.replace(/: check [^:]*$/, '');
    return explained.kind === 'transient'
      ? fail(
          detail,
          `start the server, or correct host and port in ${target.setting}; a database in private subnets answers only from inside its VPC`,
        )
      : fail(detail, target.fix);
  }
  return fail(`${where}: ${message.split('\n')[0]}`, target.fix);
}

/** SELECT on every source table, each named when it is missing. */
export const sourceSelectCheck: RightsCheck = {
  name: 'source SELECT',
  async run(session, user) {
    const found = await session.query<{ name: string; readable: boolean | null }>(
      `SELECT t AS name, has_table_privilege(to_regclass(quote_ident(t)), 'SELECT') AS readable
         FROM unnest($1::text[]) t`,
      [SOURCE_TABLE_NAMES],
    );
    const absent = found.rows.filter((r) => r.readable === null).map((r) => r.name);
    const denied = found.rows.filter((r) => r.readable === false).map((r) => r.name);
    if (absent.length > 0) {
      return fail(
        `no table ${absent.join(', ')} in the source database`,
        'point the source settings at the totesys database (the tables are in its search path)',
      );
    }
    if (denied.length > 0) {
      return fail(
        `${user} may not SELECT from ${denied.join(', ')}`,
        `as the tables' owner: GRANT SELECT ON ${denied.join(', ')} TO ${session.escapeIdentifier(user)}`,
      );
    }
    return ok(`${user} may read all ${SOURCE_TABLE_NAMES.length} source tables`);
  },
};

/**
 * Membership of pg_monitor (pg_read_all_stats), as ingest's clock reading tests it
 * (lambdas/ingest/source-clock.ts).
 */
export const sourceMonitorCheck: RightsCheck = {
  name: 'source pg_monitor',
  async run(session, user) {
    const found = await session.query<{ sees: boolean }>(
      `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS sees`,
    );
    if (found.rows[0]?.sees) return ok(`${user} sees every session's open transaction`);
    return fail(
      `${user} is not in pg_monitor: ingest cannot see other sessions' open transactions, so its upper bound falls back to now() and only the overlap window protects rows of late commits`,
      `GRANT pg_monitor TO ${session.escapeIdentifier(user)}`,
    );
  },
};

/** The schemas the migrations create (sql/warehouse, lambdas/load/migrations.ts). */
const MIGRATION_SCHEMAS = ['etl', 'analytics'];

/**
 * CREATE where the migrations need it: on the database (every migration run says CREATE SCHEMA
 * IF NOT EXISTS etl, which PostgreSQL checks before it looks), on the schema the star schema's
 * tables go to, and on the migration schemas that already exist.
 */
export const warehouseCreateCheck: RightsCheck = {
  name: 'warehouse CREATE',
  async run(session, user) {
    const found = await session.query<{
      database: string;
      on_database: boolean;
      table_schema: string | null;
      denied: string[];
    }>(
      `SELECT current_database() AS database,
              has_database_privilege(current_database(), 'CREATE') AS on_database,
              (current_schemas(false))[1] AS table_schema,
              ARRAY(SELECT s FROM unnest($1::text[] || (current_schemas(false))[1:1]) s
                     WHERE NOT coalesce(has_schema_privilege(to_regnamespace(quote_ident(s))::oid, 'CREATE'), true)
                     ORDER BY s) AS denied`,
      [MIGRATION_SCHEMAS],
    );
    const row = found.rows[0];
    if (!row) throw new Error('The warehouse answered no privileges');
    const grantee = session.escapeIdentifier(user);
    const grants = [
      ...(row.on_database
        ? []
        : [`GRANT CREATE ON DATABASE ${session.escapeIdentifier(row.database)} TO ${grantee}`]),
      ...[...new Set(row.denied)].map(
        (s) => `GRANT CREATE ON SCHEMA ${session.escapeIdentifier(s)} TO ${grantee}`,
      ),
    ];
    if (row.table_schema === null) {
      return fail(
        `no schema of ${user}'s search_path exists, so the migrations have nowhere to create the star schema`,
        `GRANT CREATE ON SCHEMA public TO ${grantee}, or set the user's search_path to a schema it may create in`,
      );
    }
    if (grants.length > 0) {
      const lacking = [
        ...(row.on_database ? [] : [`database ${row.database}`]),
        ...[...new Set(row.denied)].map((s) => `schema ${s}`),
      ];
      return fail(
        `${user} may not CREATE in ${lacking.join(', ')}: the migrations would fail`,
        grants.join('; '),
      );
    }
    return ok(
      `${user} may create in database ${row.database} and schemas ${[row.table_schema, ...MIGRATION_SCHEMAS].join(', ')}`,
    );
  },
};

/** CREATEROLE, for migration 0004's read-only analyst role and the load's setting its password. */
export const warehouseCreateRoleCheck: RightsCheck = {
  name: 'warehouse CREATEROLE',
  async run(session, user) {
    const found = await session.query<{ may: boolean }>(
      'SELECT rolcreaterole OR rolsuper AS may FROM pg_roles WHERE rolname = current_user',
    );
    if (found.rows[0]?.may) return ok(`${user} may create the analyst role ${ANALYST_ROLE}`);
    return fail(
      `${user} lacks CREATEROLE: migration 0004 cannot create the read-only role ${ANALYST_ROLE}, nor the load set its password`,
      `ALTER ROLE ${session.escapeIdentifier(user)} CREATEROLE (the RDS master user has it)`,
    );
  },
};

export const SOURCE_RIGHTS: readonly RightsCheck[] = [sourceSelectCheck, sourceMonitorCheck];
export const WAREHOUSE_RIGHTS: readonly RightsCheck[] = [
  warehouseCreateCheck,
  warehouseCreateRoleCheck,
];
