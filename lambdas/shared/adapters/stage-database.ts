import type { Pool } from 'pg';
import { DATABASE_SECRET_ENV, type DatabaseRole } from '../../../contract/stage-access';
import type { RemainingTime } from '../ports/remaining-time';
import { connectionFromSecretsManager, endpointFromEnv } from './database-credentials';
import { createPool } from './database-pool';
import { rdsTls } from './rds-certificates';
import { requiredEnv } from './powertools';
import { sessionBounds, type DatabaseStage } from './session-bounds';

/** A database a handler opens when its stage first needs it, and closes when it is done. */
export interface StageDatabase {
  open(): Promise<Pool>;
  end(): Promise<void>;
}

/**
 * The `role` database of one invocation: its secret named by the variable the stack set, TLS
 * verified against the RDS certificate authorities of the bundle, its sessions bounded by the
 * invocation's time left when it is opened.
 *
 * @example
 * const source = stageDatabase('source', 'ingest', context, 4);
 * try { await ingest({ ...options, source: source.open }); } finally { await source.end(); }
 */
export function stageDatabase(
  role: DatabaseRole,
  stage: DatabaseStage,
  invocation: RemainingTime,
  size: number,
): StageDatabase {
  let pool: Pool | undefined;
  return {
    open: async () =>
      (pool ??= createPool(
        {
          ...(await connectionFromSecretsManager(requiredEnv(DATABASE_SECRET_ENV[role]), {
            role,
            endpoint: endpointFromEnv(role, process.env),
          })),
          ssl: rdsTls(),
          ...sessionBounds(stage, invocation.getRemainingTimeInMillis()),
        },
        size,
        role,
      )),
    end: async () => {
      await pool?.end();
    },
  };
}
