import { generate } from 'selfsigned';

/** A server's certificate and private key, PEM. */
export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
}

/** A certificate authority of a test: its own certificate, and the servers' it signs. */
export interface TestAuthority {
  /** The authority's certificate, PEM: what a client must trust. */
  readonly ca: string;
  /** A server certificate for `hosts` (names, or IPv4 addresses), signed by this authority. */
  issue(hosts: readonly string[]): Promise<ServerCertificate>;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A certificate authority named `commonName`, valid for a week (EC P-256, as RDS's ECC384 is EC). */
export async function testAuthority(commonName: string): Promise<TestAuthority> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 3600_000);
  const validity = { notBeforeDate, notAfterDate };
  const authority = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return {
    ca: authority.cert,
    async issue(hosts) {
      const server = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        ...validity,
        ca: { key: authority.private, cert: authority.cert },
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: hosts.map((host) =>
              IPV4.test(host) ? { type: 7, ip: host } : { type: 2, value: host },
            ),
          },
        ],
      });
      return { cert: server.cert, key: server.private };
    },
  };
}
