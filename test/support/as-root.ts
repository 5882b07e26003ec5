/** True when the tests run as root, as `.ci/run` runs them. */
export const AS_ROOT = process.getuid?.() === 0;

/**
 * A test that can only run as root (a mount, the server run as user `postgres`). Elsewhere it
 * is listed as a todo that says why, so the summary counts it as not run rather than skipping
 * it in silence.
 */
export function itAsRoot(name: string, test: () => Promise<void>, timeout?: number): void {
  if (AS_ROOT) it(name, test, timeout);
  else it.todo(`${name} [not run: needs root, as .ci/run runs the suite]`);
}
