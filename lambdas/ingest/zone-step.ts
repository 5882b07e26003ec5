/**
 * The source's TimeZone stepping back. `last_updated` is a `timestamp without time zone`: writers
 * stamp now() as wall-clock time in the server's TimeZone, and the watermarks are wall-clock
 * times of that zone too. When the zone's UTC offset drops by `d` (a daylight-saving zone in
 * autumn, a changed setting), every row written after the step is stamped `d` behind the times
 * already read, below a watermark read before it, and no later window would read it. So each
 * table's watermark carries the offset it was read at, and a run that finds the offset lower
 * moves that table's watermark back by the step: the window re-reads `d` more (safe, the load is
 * idempotent) and nothing stamped after the step is skipped.
 */
import { formatTimestamp, parseTimestamp } from '../shared/core/value-codecs';
import { readWatermark } from './window';

/** The source's TimeZone at one clock reading. */
export interface SourceZone {
  /** The source database, to name it to an operator. */
  readonly database: string;
  /** `current_setting('TimeZone')`. */
  readonly name: string;
  /** East of UTC, in seconds (`extract(timezone FROM now())`). */
  readonly utcOffsetSeconds: number;
}

/** The UTC offset each table's watermark was read at, by table. */
export type ZoneOffsets = Readonly<Record<string, number>>;

/** A step back of the source's zone, since some tables' watermarks were read. */
export interface ZoneStepBack {
  readonly database: string;
  readonly zone: string;
  /** The largest step, in seconds: how far the widest window is moved back. */
  readonly seconds: number;
  /** Per table whose watermark was read before the step: the step it moves back by. */
  readonly tables: Readonly<Record<string, number>>;
}

/**
 * The tables whose watermark was read at a higher UTC offset than the source's now, with the
 * step of each; undefined when there are none (the zone is the same, or stepped forward, which
 * skips nothing: rows are then stamped ahead of what was read).
 */
export function zoneStepBack(
  recorded: ZoneOffsets,
  zone: SourceZone,
  tables: readonly string[],
): ZoneStepBack | undefined {
  const stepped: Record<string, number> = {};
  for (const table of tables) {
    const offset = recorded[table];
    if (offset !== undefined && offset > zone.utcOffsetSeconds) {
      stepped[table] = offset - zone.utcOffsetSeconds;
    }
  }
  const steps = Object.values(stepped);
  if (steps.length === 0) return undefined;
  return {
    database: zone.database,
    zone: zone.name,
    seconds: Math.max(...steps),
    tables: stepped,
  };
}

/**
 * A watermark read `stepSeconds` before the zone stepped back, in the zone's new wall-clock time:
 * a complete one moves back by the step. A backfill in progress starts over from its own start
 * moved back (its cursor may be past rows stamped after the step), or from the table's start
 * when it was a first read; re-reading is safe.
 */
export function rebaseWatermark(watermark: string, stepSeconds: number): string | undefined {
  const mark = readWatermark(watermark);
  // Not a watermark at all: left for extractWindow to refuse, naming it.
  if (mark === undefined) return watermark;
  const step = BigInt(Math.round(stepSeconds * 1_000_000));
  const back = (stamp: string) => formatTimestamp((parseTimestamp(stamp) as bigint) - step);
  return mark.through === undefined ? undefined : back(mark.through);
}

/** The offsets to keep after a run that read `tables` at `zone`, or undefined if unchanged. */
export function zoneOffsetsAfter(
  recorded: ZoneOffsets,
  zone: SourceZone,
  tables: readonly string[],
): ZoneOffsets | undefined {
  const changed = tables.filter((t) => recorded[t] !== zone.utcOffsetSeconds);
  if (changed.length === 0) return undefined;
  return {
    ...recorded,
    ...Object.fromEntries(changed.map((t) => [t, zone.utcOffsetSeconds])),
  };
}

/** The operator's one line about a step back: the source, the step, what was done, the fix. */
export function zoneStepText(step: ZoneStepBack): string {
  const tables = Object.keys(step.tables).sort();
  return `The TimeZone of the source database ${step.database} stepped back ${step.seconds} s (now ${step.zone}) since ${tables.join(', ')} ${tables.length === 1 ? 'was' : 'were'} last read: rows stamped after the step are stamped behind what was read, so ${tables.length === 1 ? 'its window starts' : 'their windows start'} back by the step and none is skipped; keep the source's TimeZone fixed (UTC) (docs/guarantees.md §2)`;
}
