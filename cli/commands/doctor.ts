import {
  doctorExitCode,
  formatDoctorText,
  runChecks,
  type CheckResult,
  type DoctorPlan,
} from '../doctor/doctor-check';
import { localDoctor } from '../doctor/local-doctor';
import { readSettings } from '../settings';
import { loadModule } from '../load-module';
import type * as RemoteDoctorModule from '../remote/remote-doctor';

export interface DoctorCommandOptions {
  readonly env: string | undefined;
  readonly json?: boolean;
}

/**
 * `deliverance doctor [--env NAME] [--json]`: every check on one line, then exit 0 when all
 * passed and 1 when any failed.
 */
export async function doctorCommand(options: DoctorCommandOptions): Promise<number> {
  const plan: DoctorPlan =
    options.env !== undefined
      ? await loadModule<typeof RemoteDoctorModule>(
          __filename,
          '../remote/remote-doctor',
        ).remoteDoctor(options.env)
      : await localDoctor(readSettings());
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
          {
            environment: options.env ?? 'local',
            ...(options.env === undefined ? { stateDir: readSettings().stateDir } : {}),
            ok: code === 0,
            checks: results,
          },
          null,
          2,
        )
      : formatDoctorText(plan.title, results),
  );
  return code;
}
