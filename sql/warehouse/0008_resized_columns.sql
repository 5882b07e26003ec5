-- A source column resized within its type's family (numeric(10,2) -> numeric(12,4), integer ->
-- bigint, text -> character varying(40)) is recorded like the other schema changes: before is the
-- type totesys declares (contract/source-catalogue.ts), after the source's
-- (lambdas/ingest/column-resize.ts says whether it stops its table).

ALTER TABLE etl.schema_changes DROP CONSTRAINT schema_changes_change_check;
ALTER TABLE etl.schema_changes ADD CONSTRAINT schema_changes_change_check
  CHECK (change IN ('added', 'dropped', 'retyped', 'resized'));
