-- The read-only role analysts and QuickSight connect as: it reads the analytics views and
-- nothing else. Views run with their owner's rights, so it needs no right on the tables they
-- read; etl.* (load log, migrations) and the star's tables stay out of its reach.
--
-- The role is created without LOGIN: the load function gives it LOGIN and the password of the
-- analyst secret (lambdas/load/analyst-role.ts), so no password is ever written in SQL files.
-- Roles belong to the cluster, not the database: two warehouses of one cluster share it, each
-- granting only its own views.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'deliverance_analyst') THEN
    CREATE ROLE deliverance_analyst NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
EXCEPTION
  -- A warehouse of the same cluster migrating at the same moment created it first.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- Defence in depth: should a write right ever be granted by mistake, its sessions still refuse
-- to write (and to create even temporary tables).
ALTER ROLE deliverance_analyst SET default_transaction_read_only = on;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO deliverance_analyst', current_database());
END
$$;

GRANT USAGE ON SCHEMA analytics TO deliverance_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO deliverance_analyst;
-- Views the runner creates later (it runs as the warehouse user that runs this file) get the
-- right too, also after a migration drops and re-creates one.
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO deliverance_analyst;
