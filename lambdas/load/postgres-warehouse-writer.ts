import type { Pool, PoolClient } from 'pg';
import { PostgresLoadLog } from '../shared/adapters/postgres-load-log';
import type { LoadTransaction, WarehouseWriter } from '../shared/ports/warehouse-writer';
import { LOAD_LOCK, lockForTransaction } from './advisory-lock';
import { applyDeletes } from './apply-deletes';
import { loadTable } from './load';
import { recordSchemaChanges } from './schema-changes';

/**
 * The warehouse writer on PostgreSQL: a transaction on one pooled connection, holding the
 * load's advisory lock, with the load log in the same transaction.
 *
 * @example
 * await runLoad({ processed, warehouse: new PostgresWarehouseWriter(pool), logger, manifestKey });
 */
export class PostgresWarehouseWriter implements WarehouseWriter {
  constructor(private readonly pool: Pool) {}

  async begin(): Promise<LoadTransaction> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await lockForTransaction(client, LOAD_LOCK);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw error;
    }
    return transactionOn(client);
  }
}

function transactionOn(client: PoolClient): LoadTransaction {
  return {
    loadLog: new PostgresLoadLog(client),
    writeTable: (processed, table, file, batchId) =>
      loadTable(client, processed, table, file, batchId),
    applyDeletes: (processed, deletes) => applyDeletes(client, processed, deletes),
    recordSchemaChanges: (changes, batchId) => recordSchemaChanges(client, changes, batchId),
    commit: async () => {
      await client.query('COMMIT');
    },
    rollback: async () => {
      await client.query('ROLLBACK');
    },
    release: () => client.release(),
  };
}
