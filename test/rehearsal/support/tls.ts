import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface RehearsalTls {
  /** The certificate authority the bundles trust, in place of the runtime's RDS bundle. */
  readonly caFile: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * One certificate authority and a server certificate for 127.0.0.1 and localhost, so that the
 * local AWS endpoints and PostgreSQL speak TLS that the bundles verify, as they must in AWS.
 */
export async function createTls(folder: string): Promise<RehearsalTls> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'Deliverance rehearsal CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const caFile = join(folder, 'rehearsal-ca.pem');
  await writeFile(caFile, ca.cert);
  return { caFile, ca: ca.cert, cert: server.cert, key: server.private };
}
