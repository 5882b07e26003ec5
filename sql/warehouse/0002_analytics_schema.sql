-- The schema analysts and QuickSight read from. Its views live one per file in sql/views/ and
-- are (re)created by the migration runner after the numbered migrations (see
-- lambdas/load/migrations.ts), so a view's source exists in exactly one place.
--
-- A view change that CREATE OR REPLACE VIEW cannot make (renaming, retyping or removing a
-- column) needs a numbered migration that drops the view first: `DROP VIEW analytics.x;`. A
-- view whose file is deleted is likewise dropped by a migration; the runner never drops views.

CREATE SCHEMA IF NOT EXISTS analytics;

COMMENT ON SCHEMA analytics IS
  'Documented, read-only views over the star schema; the header of each view''s file in sql/views explains it.';
