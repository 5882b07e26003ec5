import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type LocalPostgres } from './embedded-postgres';
import { startS3, type LocalS3 } from './s3-server';

export const LOCAL_BUCKETS = { landing: 'deliverance-landing', processed: 'deliverance-processed' };

/** The databases of the local PostgreSQL: the source and the warehouse. */
export const LOCAL_DATABASES = ['totesys', 'warehouse'] as const;

/**
 * A new state folder under the system's temporary folder. mkdtemp makes it 0700, which the
 * embedded PostgreSQL, running as user postgres when we are root, could not enter.
 */
export async function temporaryStateDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export interface LocalStack {
  readonly stateDir: string;
  readonly postgres: LocalPostgres | undefined;
  readonly s3: LocalS3 | undefined;
  stop(): Promise<void>;
}

export interface LocalStackParts {
  /** PostgreSQL with a `totesys` and a `warehouse` database. */
  readonly postgres: boolean;
  /** An S3-compatible server holding the landing and processed buckets. */
  readonly s3: boolean;
}

/**
 * The local stack under one folder. `stop` is safe to call more than once, and runs on Ctrl-C
 * and termination, so no server outlives the process that started it. What a killed process
 * left behind (a PostgreSQL still running on the folder, an object's metadata cut short) is
 * cleared first, and `notice` hears about each; the caller must hold the folder (see
 * lockStateFolder), as only then is a server found running on it an orphan.
 */
export async function startLocalStack(
  stateDir: string,
  parts: LocalStackParts = { postgres: true, s3: true },
  notice: (line: string) => void = () => undefined,
): Promise<LocalStack> {
  await mkdir(stateDir, { recursive: true });
  let postgres: LocalPostgres | undefined;
  let s3: LocalS3 | undefined;
  const stopAll = async () => {
    await s3?.stop().catch(() => undefined);
    await postgres?.stop();
  };
  try {
    if (parts.postgres) {
      postgres = await startPostgres(join(stateDir, 'postgres'), { notice });
      for (const name of LOCAL_DATABASES) await postgres.createDatabase(name);
    }
    if (parts.s3) {
      s3 = await startS3(join(stateDir, 's3'), Object.values(LOCAL_BUCKETS), notice);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await stopAll();
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { stateDir, postgres, s3, stop };
}
