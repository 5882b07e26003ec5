import {
  doctorExitCode,
  formatDoctorText,
  runChecks,
  type CheckResult,
  type DoctorPlan,
} from '../doctor/doctor-check';
import { localDoctor } from '../doctor/local-doctor';
import { remoteDoctor } from '../remote/remote-doctor';
import { readSettings } from '../settings';

export interface DoctorCommandOptions {
  readonly env: string | undefined;
  readonly json: boolean | undefined;
}

/**
 * `deliverance doctor [--env NAME] [--json]`: every check on one line, then exit 0 when all
 * passed and 1 when any failed.
 */
export async function doctorCommand(options: DoctorCommandOptions): Promise<number> {
  const plan: DoctorPlan =
    options.env !== undefined ? await remoteDoctor(options.env) : await localDoctor(readSettings());
  let results: CheckResult[];
  try {
    results = await runChecks(plan.checks);
  } finally {
    await plan.close();
  }
  const code = doctorExitCode(results);
  console.log(
    options.json
      ? JSON.stringify(
          { environment: options.env ?? 'local', ok: code === 0, checks: results },
          null,
          2,
        )
      : formatDoctorText(plan.title, results),
  );
  return code;
}
