import { ConfigurationError } from './pipeline-error';

/** The source's UTC offset each table's watermark was read at, as a watermark store keeps it. */

/**
 * The offsets a store holds, refused when they are not seconds by table: a wrong offset would
 * move watermarks back (harmless) or hide a step (not), so it is not guessed at.
 */
export function zoneOffsetsOf(text: string, where: string): Record<string, number> {
  let offsets: unknown;
  try {
    offsets = JSON.parse(text);
  } catch {
    offsets = undefined;
  }
  if (
    typeof offsets !== 'object' ||
    offsets === null ||
    Array.isArray(offsets) ||
    !Object.values(offsets).every((v) => Number.isInteger(v))
  ) {
    throw new ConfigurationError(
      `${where} is not a JSON object of UTC offsets in seconds by table: delete it (the next run records them again)`,
    );
  }
  return offsets as Record<string, number>;
}
