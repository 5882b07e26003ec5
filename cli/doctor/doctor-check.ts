/**
 * One preflight check of `deliverance doctor`, in the manner of `dbt debug`: a name, and a run
 * that answers ok, fail with the fix, or skip when what it needs failed before it.
 */
export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface CheckOutcome {
  readonly status: CheckStatus;
  /** What was found, in one line: "host:5432/totesys, TLS verified", "wrong password". */
  readonly detail: string;
  /** What to do, for a failure. */
  readonly fix?: string;
}

export interface DoctorCheck {
  readonly name: string;
  run(): Promise<CheckOutcome>;
}

/** The checks doctor runs, what it runs them on, and how to let go of it. */
export interface DoctorPlan {
  readonly title: string;
  readonly checks: readonly DoctorCheck[];
  close(): Promise<void>;
}

export interface CheckResult extends CheckOutcome {
  readonly name: string;
}

/** Exit codes a script can use: 0 every check passed, 1 one or more failed (2 is a usage error). */
export const DOCTOR_EXIT = { ok: 0, failed: 1 } as const;

export const ok = (detail: string): CheckOutcome => ({ status: 'ok', detail });
export const fail = (detail: string, fix: string): CheckOutcome => ({
  status: 'fail',
  detail,
  fix,
});
export const skip = (detail: string): CheckOutcome => ({ status: 'skip', detail });

/**
 * Runs the checks one after another, in order (later ones may reuse what earlier ones opened).
 * A check that throws is a failure whose detail is the error's first line.
 */
export async function runChecks(checks: readonly DoctorCheck[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    let outcome: CheckOutcome;
    try {
      outcome = await check.run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = fail(
        message.split('\n')[0] ?? message,
        'fix what the message names, then run doctor again',
      );
    }
    results.push({ name: check.name, ...outcome });
  }
  return results;
}

/** The exit code for a set of results. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? DOCTOR_EXIT.failed : DOCTOR_EXIT.ok;
}

const MARKS: Record<CheckStatus, string> = { ok: '✓', fail: '✗', skip: '-' };

/** One aligned line per check: mark, name, what was found, and the fix after an arrow. */
export function formatDoctorText(title: string, results: readonly CheckResult[]): string {
  const width = Math.max(0, ...results.map((r) => r.name.length));
  const lines = results.map((r) => {
    const fix = r.status === 'fail' && r.fix ? ` → fix: ${r.fix}` : '';
    return `${MARKS[r.status]} ${r.name.padEnd(width)}  ${r.detail}${fix}`;
  });
  const failed = results.filter((r) => r.status === 'fail').length;
  const summary =
    failed === 0 ? 'All checks passed.' : `${failed} of ${results.length} checks failed.`;
  return [title, ...lines, summary].join('\n');
}
