-- Every change an ingest found in a source table's columns against the catalogue, recorded once:
-- a column added (before NULL), dropped (after NULL) or retyped (the catalogue's type before, the
-- source's after). The ingest carries the changes it finds in its landing manifest, transform hands
-- them on, and the load inserts them in the batch's transaction with ON CONFLICT DO NOTHING, so a
-- change seen by many batches keeps the first time any ingest saw it (lambdas/ingest/live-columns.ts).

CREATE TABLE etl.schema_changes (
  source_table text NOT NULL,
  column_name text NOT NULL,
  change text NOT NULL CHECK (change IN ('added', 'dropped', 'retyped')),
  before_type text,
  after_type text,
  first_seen timestamptz NOT NULL,
  -- The batch that first brought it to the warehouse.
  batch_id text NOT NULL
);

-- NULL is not equal to NULL in a plain unique constraint: the change is its text, absent types ''.
CREATE UNIQUE INDEX schema_changes_once ON etl.schema_changes
  (source_table, column_name, change, coalesce(before_type, ''), coalesce(after_type, ''));
