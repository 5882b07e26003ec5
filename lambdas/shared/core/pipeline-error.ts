/**
 * What a failure means for the stage that meets it, so that one decision replaces lists of
 * `instanceof` checks and message prefixes spread over the stages:
 * - `bad-data`: the input's own fault. The object is quarantined with the reason and the rest
 *   of the batch goes on; retrying the same bytes would fail the same way.
 * - `transient`: the world's fault (a network, a throttled service, a lock held by another
 *   run). The stage throws, Lambda retries and then dead-letters; a redrive is expected to work.
 * - `fatal`: a configuration or code fault (a watermark ahead of the source, a missing grant, a
 *   secret of the wrong shape). The stage fails loudly; retrying will not help until an operator
 *   fixes what the message names.
 */
export type ErrorKind = 'bad-data' | 'transient' | 'fatal';

/** The base of every error Deliverance raises on purpose; its `kind` says what to do with it. */
export abstract class PipelineError extends Error {
  abstract readonly kind: ErrorKind;
}

/**
 * An error's kind. Errors Deliverance did not raise itself (the SDK's, pg's, a socket's) are
 * transient: the adapters turn the ones known to be permanent into a PipelineError, and a
 * retry is the safe answer to the rest.
 */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof PipelineError ? error.kind : 'transient';
}

export function isBadData(error: unknown): boolean {
  return errorKind(error) === 'bad-data';
}
