import type { Pool } from 'pg';
import type { DatabaseSettings } from '../../../contract/settings';
import type { RemainingTime } from '../ports/remaining-time';
import { connectionFromSecretsManager } from './database-credentials';
import { createPool } from './database-pool';
import { rdsTls } from './rds-certificates';
import { sessionBounds, type DatabaseStage } from './session-bounds';

/** A database a handler opens when its stage first needs it, and closes when it is done. */
export interface StageDatabase {
  open(): Promise<Pool>;
  end(): Promise<void>;
}

/**
 * The database of one invocation: its secret and endpoint as the function's settings name them
 * (read when it is first opened, so that a setting's problem is that opening's failure), TLS
 * verified against the RDS certificate authorities of the bundle, its sessions bounded by the
 * invocation's time left when it is opened.
 *
 * @example
 * const source = stageDatabase(() => settings.databases.source, 'ingest', context, 4);
 * try { await ingest({ ...options, source: source.open }); } finally { await source.end(); }
 */
export function stageDatabase(
  settings: () => DatabaseSettings,
  stage: DatabaseStage,
  invocation: RemainingTime,
  size: number,
): StageDatabase {
  let pool: Pool | undefined;
  return {
    open: async () => {
      if (pool) return pool;
      const { role, secretId, endpoint } = settings();
      return (pool ??= createPool(
        {
          ...(await connectionFromSecretsManager(secretId, { role, endpoint })),
          ssl: rdsTls(),
          ...sessionBounds(stage, invocation.getRemainingTimeInMillis()),
        },
        size,
        role,
      ));
    },
    end: async () => {
      await pool?.end();
    },
  };
}
