import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { RDS_CA_BUNDLE_FILE } from '../../../contract/database-tls';
import { PipelineError } from '../core/pipeline-error';

/** A function bundle without its certificate authorities: a deploy went wrong, no retry helps. */
export class RdsCertificatesError extends PipelineError {
  readonly kind = 'fatal';

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'RdsCertificatesError';
  }
}

const cache = new Map<string, ConnectionOptions>();

/**
 * TLS settings for pg that verify an RDS database: its certificate must chain to one of the
 * RDS certificate authorities the function's bundle carries (`rds-ca-bundle.pem` at the task
 * root), and its name must match the host (Node.js's own check, not replaced). Given `ca`,
 * Node.js trusts these alone: neither the runtime's store nor NODE_EXTRA_CA_CERTS take part.
 * Read once per execution environment.
 *
 * @example
 * createPool({ ...connection, ssl: rdsTls() }, 2);
 * @throws {RdsCertificatesError} when the bundle has no such file
 */
export function rdsTls(
  // Lambda defines the variable; the fallback is where it points in every Node.js runtime.
  taskRoot: string = process.env.LAMBDA_TASK_ROOT ?? '/var/task',
): ConnectionOptions {
  const file = join(taskRoot, RDS_CA_BUNDLE_FILE);
  let tls = cache.get(file);
  if (!tls) {
    tls = { ca: readBundle(file), rejectUnauthorized: true };
    cache.set(file, tls);
  }
  return tls;
}

function readBundle(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new RdsCertificatesError(
      `The function's bundle has no RDS certificate authorities at ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): deploy it again with cdk deploy, which writes them into every stage that connects to a database`,
      { cause: error },
    );
  }
}
