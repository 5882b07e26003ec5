import {
  parseAccessSettings,
  parseStageSettings,
  settingsProblemMessage,
  type AccessSettings,
  type Environment,
  type Parsed,
  type StageSettings,
} from '../../../contract/settings';
import type { StageAccess } from '../../../contract/stage-access';
import type { StageName } from '../../../contract/stages';
import { ConfigurationError } from '../core/pipeline-error';

/**
 * The stage's settings from its function's environment (contract/settings.ts), read once at the
 * start of an invocation, so that a missing or invalid one is a fatal error of that invocation,
 * answered and alarmed rather than retried.
 *
 * @throws {ConfigurationError} listing every problem at once
 * @example
 * const settings = readStageSettings('ingest', process.env);
 * new S3ObjectStore(s3, settings.buckets.landing);
 */
export function readStageSettings<S extends StageName>(
  stage: S,
  env: Environment,
): StageSettings<S> {
  return valueOf(parseStageSettings(stage, env), `${stage} function`);
}

/**
 * {@link readStageSettings} for a function whose access is declared apart from the stages' (the
 * warehouse preparation's).
 *
 * @throws {ConfigurationError} listing every problem at once
 */
export function readAccessSettings(
  access: StageAccess,
  whose: string,
  env: Environment,
): AccessSettings {
  return valueOf(parseAccessSettings(access, env), whose);
}

function valueOf<T>(parsed: Parsed<T>, whose: string): T {
  if (parsed.ok) return parsed.value;
  throw new ConfigurationError(
    `${settingsProblemMessage(whose, parsed.problems)}. The stack sets them (lib/): deploy it again, or fix the function's environment`,
  );
}
