import { TransformError } from '../../../lambdas/transform/tables';

/** The TransformError that `run` throws; fails the test when it throws nothing or another error. */
export function transformErrorFrom(run: () => unknown): TransformError {
  try {
    run();
  } catch (error) {
    if (error instanceof TransformError) return error;
    throw error;
  }
  throw new Error('expected a TransformError, but nothing was thrown');
}

/** A copy of `row` without `column`, as a landed row from an older or drifted schema would be. */
export function without<T extends Record<string, unknown>>(row: T, column: string): T {
  const copy = { ...row };
  delete copy[column];
  return copy;
}
