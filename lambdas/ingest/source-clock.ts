import type { ClientBase } from 'pg';
import { InvariantError } from '../shared/core/pipeline-error';
import type { StageLogger } from '../shared/ports/stage-logger';
import type { SourceClock } from './window';
import type { SourceZone } from './zone-step';

/** The run's clock reading, and the zone its wall-clock times are in. */
export interface SourceReading extends SourceClock {
  readonly zone: SourceZone;
}

/**
 * The run's clock reading. `upper` is the source's clock held back to the start of the oldest
 * transaction still open there: a transaction stamps its rows with its own start time (now()),
 * so rows it has not committed yet always fall after this bound and are read by a later run.
 * Timestamps are read in the server's time zone, which is how `timestamp` columns are stamped;
 * the zone and its UTC offset come with them, so a zone that stepped back is seen (zone-step.ts).
 *
 * The bound is one microsecond before that instant truncated to `precision` fractional digits,
 * the coarsest of the `last_updated` columns. A `timestamp(p)` column ROUNDS now() to p digits:
 * with p = 3, a transaction that started at 12:00:00.1234 stamps .123, before its start. Read
 * inclusively while still uncommitted, such a row would fall behind the next window's exclusive
 * lower bound and be lost whenever the overlap is shorter than the gap; a bound strictly before
 * every stamp an open or later transaction can produce prevents it.
 */
export async function readSourceClock(
  client: ClientBase,
  logger: StageLogger,
  precision: number,
): Promise<SourceReading> {
  if (!Number.isInteger(precision) || precision < 0 || precision > 6) {
    throw new InvariantError(`A timestamp precision must be 0 to 6 digits, not ${precision}`);
  }
  const step = 10 ** (6 - precision);
  const truncated = (instant: string) =>
    `date_trunc('second', ${instant}) + floor((extract(microseconds FROM ${instant})::bigint % 1000000) / ${step}) * ${step} * interval '1 microsecond'`;
  const zoned = (instant: string) =>
    `to_char((${instant}) AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const result = await client.query<{
    upper: string;
    now: string;
    held_back_seconds: number;
    can_see_all: boolean;
    database: string;
    zone: string;
    utc_offset_seconds: number;
  }>(
    `WITH horizon AS (
       SELECT min(xact_start) AS oldest FROM pg_stat_activity
       WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
         AND backend_type = 'client backend' AND datname = current_database()
     )
     SELECT ${zoned(`${truncated('least(now(), coalesce(oldest, now()))')} - interval '1 microsecond'`)} AS upper,
            ${zoned('now()')} AS now,
            extract(epoch FROM now() - least(now(), coalesce(oldest, now())))::float8 AS held_back_seconds,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
              OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS can_see_all,
            current_database() AS database,
            current_setting('TimeZone') AS zone,
            extract(timezone FROM now())::int AS utc_offset_seconds
     FROM horizon`,
  );
  const row = result.rows[0];
  if (!row) throw new InvariantError('The source database returned no clock reading');
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
  return {
    upper: row.upper,
    now: row.now,
    zone: { database: row.database, name: row.zone, utcOffsetSeconds: row.utc_offset_seconds },
  };
}
