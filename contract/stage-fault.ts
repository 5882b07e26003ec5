/**
 * What a stage's function answers, instead of throwing, when it stopped at a fatal error (a
 * configuration or code fault, `lambdas/shared/core/pipeline-error.ts`). Lambda retries a thrown
 * error twice and then dead-letters its event, and no retry can pass until an operator fixes what
 * the error names; an answer is not retried. A caller that waits for the answer (`deliverance
 * replay`, `redrive`) reads it as the failure it is.
 */
export interface StageFault {
  readonly fault: {
    readonly kind: 'fatal';
    /** The error's class, e.g. `ConfigurationError`. */
    readonly name: string;
    /** One line for the operator: what is wrong and what to do. */
    readonly message: string;
  };
}

/**
 * The answer for `error`, a fatal one.
 *
 * @example
 * stageFault(new ConfigurationError('MAX_BATCH_ROWS is not set')); // { fault: { kind: 'fatal', … } }
 */
export function stageFault(error: unknown): StageFault {
  const { name, message } =
    error instanceof Error ? error : { name: 'Error', message: String(error) };
  return { fault: { kind: 'fatal', name, message } };
}

/** True for a function's answer that is a {@link StageFault}. */
export function isStageFault(answer: unknown): answer is StageFault {
  const fault = (answer as { fault?: { kind?: unknown } } | null)?.fault;
  return typeof fault === 'object' && fault !== null && fault.kind === 'fatal';
}
