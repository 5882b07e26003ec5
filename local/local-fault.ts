/**
 * A fault of the machine the local stack runs on, rather than of the pipeline: a full disk, a
 * folder it may not write, too many open files. Its `code` is the system's (ENOSPC, EACCES…).
 */
export interface SystemFault {
  readonly code: string;
  readonly path: string | undefined;
  readonly message: string;
}

const SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EMFILE', 'ENFILE']);

/** PostgreSQL's disk_full: the server could not extend a file. */
const PG_DISK_FULL = '53100';

/** The system fault in an error or its causes, if any; PostgreSQL's disk_full counts as ENOSPC. */
export function systemFaultOf(error: unknown): SystemFault | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { code, path, message } = e as { code?: unknown; path?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (typeof code === 'string' && SYSTEM_CODES.has(code)) {
      return { code, path: typeof path === 'string' ? path : undefined, message: text };
    }
    if (code === PG_DISK_FULL) return { code: 'ENOSPC', path: undefined, message: text };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

let serverFault: SystemFault | undefined;

/**
 * Remembers a system fault a local server met while serving a request: the S3 client only sees
 * a 500, so the command's error line reads the cause from here.
 */
export function recordServerFault(error: unknown): void {
  serverFault = systemFaultOf(error) ?? serverFault;
}

/** The last system fault a local server met in this process, if any. */
export function lastServerFault(): SystemFault | undefined {
  return serverFault;
}
