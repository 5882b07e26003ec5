import type { ClientBase } from 'pg';
import type { StageLogger } from '../shared/ports/stage-logger';

/**
 * The run's upper bound: the source's clock, held back to the start of the oldest transaction
 * still open there. A transaction stamps its rows with its own start time (now()), so rows it
 * has not committed yet always fall after this bound and are read by a later run.
 * Timestamps are read in the server's time zone, which is how `timestamp` columns are stamped.
 *
 * The bound is one millisecond before that instant, truncated: a `timestamp(3)` column ROUNDS
 * now() to the millisecond, so a transaction that started at 12:00:00.1234 stamps .123 — equal
 * to a truncated bound. Read inclusively while still uncommitted, such a row would fall behind
 * the next window's exclusive lower bound and be lost whenever the overlap is shorter than the
 * gap; a bound strictly before every stamp an open or later transaction can produce prevents it.
 */
export async function readUpperBound(client: ClientBase, logger: StageLogger): Promise<string> {
  const result = await client.query<{
    upper: string;
    held_back_seconds: number;
    can_see_all: boolean;
  }>(
    `WITH horizon AS (
       SELECT min(xact_start) AS oldest FROM pg_stat_activity
       WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
         AND backend_type = 'client backend' AND datname = current_database()
     )
     SELECT to_char((date_trunc('milliseconds', least(now(), coalesce(oldest, now())))
                       - interval '1 millisecond') AT TIME ZONE current_setting('TimeZone'),
                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS upper,
            extract(epoch FROM now() - least(now(), coalesce(oldest, now())))::float8 AS held_back_seconds,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
              OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS can_see_all
     FROM horizon`,
  );
  const row = result.rows[0];
  if (!row) throw new Error('The source database returned no clock reading');
  if (!row.can_see_all) {
    logger.warn(
      'The ingest user cannot see other sessions in pg_stat_activity: grant it pg_read_all_stats (pg_monitor) so that rows of transactions still open are never skipped; relying on the overlap window meanwhile',
    );
  }
  if (row.held_back_seconds > 60) {
    logger.warn('An open source transaction holds the upper bound back', {
      heldBackSeconds: Math.round(row.held_back_seconds),
    });
  }
  return row.upper;
}
