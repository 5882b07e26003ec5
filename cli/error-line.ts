import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastServerFault, systemFaultOf, type SystemFault } from '../local/local-fault';
import { StateFolderBusyError } from '../local/state-lock';
import { UsageError } from './settings';
import { EXIT } from './exit-codes';
import { terminalText } from './terminal-text';

export { EXIT };

const WHAT: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

/** Less room than this on a folder's disk is a full disk. */
const FULL_BYTES = 1024 * 1024;

/**
 * The folder the local stack writes to whose disk is full, the most specific first: a write
 * stream's error (the S3 server's, PostgreSQL's disk_full) names no file.
 */
function fullFolder(stateDir: string): string | undefined {
  for (const dir of [join(stateDir, 's3'), join(stateDir, 'postgres'), stateDir, tmpdir()]) {
    try {
      const { bavail, bsize } = statfsSync(dir);
      if (bavail * bsize < FULL_BYTES) return dir;
    } catch {
      // Not there (an external server, a folder not made yet): not the full one.
    }
  }
  return undefined;
}

function systemFaultLine(fault: SystemFault, stateDir: string): string {
  const full = fault.code === 'ENOSPC' || fault.code === 'EDQUOT';
  const folder = !fault.path && full ? fullFolder(stateDir) : undefined;
  const where = fault.path ? ` writing ${fault.path}` : folder ? ` writing under ${folder}` : '';
  const detail = fault.path || folder ? '' : ` (${fault.message.split('\n')[0]})`;
  const next =
    fault.code === 'EMFILE' || fault.code === 'ENFILE'
      ? 'raise the limit (ulimit -n) and run again'
      : `free space or set DELIVERANCE_STATE_DIR (now ${stateDir}) to a folder on a disk with room and write access, TMPDIR likewise for scratch files, and run again`;
  return `${WHAT[fault.code] ?? fault.code}${where}${detail}: ${next}`;
}

/** Something to say about a failure that carries no message of its own. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.message) return error.message;
    if (error.cause !== undefined) return describe(error.cause);
    return `${error.name} without a message (DELIVERANCE_DEBUG=1 shows where it was raised)`;
  }
  const text = typeof error === 'string' ? error : JSON.stringify(error);
  return text
    ? `a failure that is not an Error: ${text} (DELIVERANCE_DEBUG=1 shows more)`
    : 'a failure without any description (DELIVERANCE_DEBUG=1 shows more)';
}

/**
 * The one line a failed command prints on stderr (after `deliverance: `) and its exit code:
 * never empty, never `undefined`, one line, escaped for the terminal. A fault of the machine
 * (a full disk, also when the local S3 server or PostgreSQL met it) names the path and what
 * to do; everything else is the error's own first line.
 */
export function errorLine(error: unknown, stateDir: string): { line: string; code: number } {
  const fault = systemFaultOf(error) ?? lastServerFault();
  const [line, code] =
    error instanceof UsageError
      ? [error.message, EXIT.usage]
      : error instanceof StateFolderBusyError
        ? [error.message, EXIT.stateFolderBusy]
        : fault
          ? [systemFaultLine(fault, stateDir), EXIT.localFault]
          : [describe(error), EXIT.failure];
  return { line: terminalText(line.split('\n')[0] ?? ''), code };
}
