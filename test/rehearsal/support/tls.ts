import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testAuthority, type ServerCertificate } from '../../support/certificates';

/** One certificate authority of the rehearsal and the server certificate it signed. */
export interface RehearsalAuthority extends ServerCertificate {
  /** The authority's certificate, PEM, and a file holding it. */
  readonly ca: string;
  readonly caFile: string;
}

/**
 * The rehearsal's TLS, as two concerns kept apart, each server for 127.0.0.1 and localhost:
 * - `endpoints`: the local AWS endpoints. In AWS the SDK verifies them against the system
 *   store, which a test cannot write to, so the bundles get this authority by
 *   NODE_EXTRA_CA_CERTS (added to that store).
 * - `database`: PostgreSQL. The functions trust only the RDS authorities their bundle carries
 *   (`rds-ca-bundle.pem`), so this authority is put into that file of each bundle's copy, and
 *   nowhere else: a function that verified against anything but that file could not connect.
 */
export interface RehearsalTls {
  readonly endpoints: RehearsalAuthority;
  readonly database: RehearsalAuthority;
}

export async function createTls(folder: string): Promise<RehearsalTls> {
  const authority = async (name: string, file: string): Promise<RehearsalAuthority> => {
    const ca = await testAuthority(name);
    const caFile = join(folder, file);
    await writeFile(caFile, ca.ca);
    return { ca: ca.ca, caFile, ...(await ca.issue(['localhost', '127.0.0.1'])) };
  };
  return {
    endpoints: await authority('Deliverance rehearsal endpoints CA', 'endpoints-ca.pem'),
    database: await authority('Deliverance rehearsal database CA', 'database-ca.pem'),
  };
}
