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

/** Whether the stage should stop and wait for an operator rather than be retried. */
export function isFatal(error: unknown): boolean {
  return errorKind(error) === 'fatal';
}

/**
 * A setting the stack, an operator or an event gave is missing or invalid: an environment
 * variable, the paused tables, a table an event names. Fatal: the same setting fails the same
 * way until someone changes it, and the message says which and to what.
 */
export class ConfigurationError extends PipelineError {
  readonly kind = 'fatal';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/**
 * The code broke a rule of its own (a closed writer written to, a name outside the catalogue
 * quoted): a bug, not the data or the world. Fatal: a retry runs the same code.
 */
export class InvariantError extends PipelineError {
  readonly kind = 'fatal';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

/**
 * The world's fault, said on purpose: a service that failed a request, a window that moved while
 * it was read. The next attempt is expected to work.
 */
export class TransientError extends PipelineError {
  readonly kind = 'transient';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}
