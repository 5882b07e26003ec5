/**
 * Generated time. Every timestamp is computed from fixed instants, never from the wall clock, so
 * that a seed is reproducible; all of them lie in the past so an incremental run started "now"
 * never sees a row from the future.
 */

export const DAY_MS = 86_400_000;

/** Reference data (departments, currencies, …) is set up just before trading starts. */
export const REFERENCE_CREATED_MS = Date.UTC(2022, 9, 31, 9, 0, 0, 0);
/** Orders are spread over [ORDERS_START_MS, ORDERS_END_MS). */
export const ORDERS_START_MS = Date.UTC(2022, 10, 1, 0, 0, 0, 0);
export const ORDERS_END_MS = Date.UTC(2025, 10, 1, 0, 0, 0, 0);

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Day number → 'YYYY-MM-DD'; generated time spans a few thousand days, so this stays small. */
const dayStrings = new Map<number, string>();

/** 'YYYY-MM-DD' of an epoch-ms instant in UTC. */
export function formatDate(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  // Millions of rows format a few thousand distinct days; toISOString for each would dominate.
  let text = dayStrings.get(day);
  if (text === undefined) {
    if (dayStrings.size > 100_000) dayStrings.clear();
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayStrings.set(day, text);
  }
  return text;
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' (UTC, millisecond precision), as timestamp(3) prints it. */
export function formatTimestamp(ms: number): string {
  const date = formatDate(ms);
  let rest = ms - Math.floor(ms / DAY_MS) * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${date} ${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(millis)}`;
}

/** 'YYYYMMDD', as the real totesys design file names embed it. */
export function compactDate(ms: number): string {
  return formatDate(ms).replaceAll('-', '');
}
