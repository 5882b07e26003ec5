import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig, SIZE_CLASSES, type SizeClass, type Stage } from '../lib/config';

export interface StageLimit {
  readonly size: SizeClass;
  readonly timeoutSeconds: number;
}

/**
 * Each stage's Lambda size and timeout as the stack would deploy them from cdk.json's context,
 * read through the stack's own config reader, so a resized function is judged by its new limit.
 */
export function configuredLimits(): Record<Stage, StageLimit> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const config = readConfig({ tryGetContext: (key) => cdkJson.context?.[key] });
  const limit = (stage: Stage): StageLimit => {
    const size = config.lambdaSizes[stage];
    return { size, timeoutSeconds: SIZE_CLASSES[size].timeout.toSeconds() };
  };
  return { ingest: limit('ingest'), transform: limit('transform'), load: limit('load') };
}
