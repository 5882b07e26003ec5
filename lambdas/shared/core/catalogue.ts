/**
 * The Lambda code's door to the source catalogue, which lives in `contract/` so that the
 * infrastructure reads the same tables (see contract/source-catalogue.ts).
 */
export * from '../../../contract/source-catalogue';
import { InvariantError } from './pipeline-error';

/** Quotes an identifier that the catalogue vouches for; anything else is refused. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new InvariantError(
      `Refusing to quote identifier ${JSON.stringify(name)}: not a catalogue name`,
    );
  }
  return `"${name}"`;
}
