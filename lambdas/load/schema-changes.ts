import type { ClientBase } from 'pg';
import type { SchemaChange } from '../shared/core/schema-changes';

/**
 * Records the batch's source schema changes in `etl.schema_changes`, inside the batch's
 * transaction: a change already recorded (by an earlier batch, or a replay of this one) is left
 * as it is, so each is recorded once with the first time an ingest saw it.
 */
export async function recordSchemaChanges(
  client: ClientBase,
  changes: readonly SchemaChange[],
  batchId: string,
): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO etl.schema_changes
       (source_table, column_name, change, before_type, after_type, first_seen, batch_id)
     SELECT c.table, c.column, c.change, c.before, c.after, c."firstSeen"::timestamptz, $2
     FROM jsonb_to_recordset($1::jsonb)
       AS c("table" text, "column" text, change text, before text, after text, "firstSeen" text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(changes), batchId],
  );
}
