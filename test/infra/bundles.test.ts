import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { RDS_CA_BUNDLE_FILE } from '../../contract/database-tls';
import { PROJECT_ROOT } from '../../lib/pipeline-function';
import { synthesize } from './support/synth';

/**
 * Budget per bundled index.js. The bundles are ~120-220 KB today (docs/deploy.md); 1.5 MB
 * leaves room for growth while still failing if a dependency (the AWS SDK, a native-ish
 * Parquet library) slips into a bundle and doubles cold starts.
 */
const BUDGET_BYTES = 1.5 * 1024 * 1024;

/**
 * Modules the bundled libraries require only on paths the stages never take, each inside a
 * try: the Lambda runtime does not have them, and nothing here needs them.
 */
const OPTIONAL_REQUIRES: Record<string, string> = {
  '@aws-sdk/signature-v4-crt': 'SigV4a, for S3 multi-region access points only',
  'pg-native': "libpq bindings, loaded only by pg's `native` mode",
};

let template: Template;
let outdir: string;

beforeAll(() => {
  // The one test file that really bundles: esbuild from node_modules, no Docker.
  ({ template, outdir } = synthesize({}, { bundle: true }));
});

function assetDirOf(stage: string): string {
  const functions = template.findResources('AWS::Lambda::Function');
  const fn = Object.values(functions).find(
    (f) =>
      (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
        .Environment?.Variables?.POWERTOOLS_SERVICE_NAME === stage,
  ) as { Properties: { Code: { S3Key: string } } };
  const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
  return path.join(outdir, `asset.${hash}`);
}

const sqlFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();

describe.each(['ingest', 'transform', 'load'])('the %s bundle', (stage) => {
  it(`builds and stays under ${BUDGET_BYTES / 1024 / 1024} MB`, () => {
    const index = path.join(assetDirOf(stage), 'index.js');
    const { size } = fs.statSync(index);
    console.log(`${stage} bundle: index.js ${(size / 1024).toFixed(1)} KB`);
    expect(size).toBeLessThan(BUDGET_BYTES);
  });

  it('is minified CommonJS with a source map, exporting handler', () => {
    const code = fs.readFileSync(path.join(assetDirOf(stage), 'index.js'), 'utf8');
    // Checked as booleans: a failure should not print a minified bundle.
    expect(/module\.exports\s*=/.test(code)).toBe(true);
    expect(/\bhandler:\(\)=>/.test(code)).toBe(true);
    expect(/\/\/# sourceMappingURL=index\.js\.map\s*$/.test(code)).toBe(true);
    expect(fs.existsSync(path.join(assetDirOf(stage), 'index.js.map'))).toBe(true);
    // Minified: long lines (a few legal comments aside), not one statement per line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
  });

  it('bundles every dependency, the AWS SDK included, and requires only Node.js built-ins', () => {
    const code = fs.readFileSync(path.join(assetDirOf(stage), 'index.js'), 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
    expect(required.filter((name) => !isBuiltin(name) && !(name in OPTIONAL_REQUIRES))).toEqual([]);
    expect(/class S3Client\b|S3Client=class|"S3Client"/.test(code)).toBe(true);
    // Ingest alone starts its own next batch, through Lambda's Invoke API.
    expect(code.includes('/2015-03-31/functions/')).toBe(stage === 'ingest');
  });
});

it('ships the warehouse migrations and analyst views inside the load bundle', () => {
  const bundled = path.join(assetDirOf('load'), 'sql');
  for (const folder of ['warehouse', 'views']) {
    const expected = sqlFiles(path.join(PROJECT_ROOT, 'sql', folder));
    expect(expected.length).toBeGreaterThan(0);
    expect(sqlFiles(path.join(bundled, folder))).toEqual(expected);
  }
  expect(fs.existsSync(path.join(assetDirOf('ingest'), 'sql'))).toBe(false);
});

/** The certificates of a PEM bundle, parsed. */
function certificatesIn(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

const commonName = (certificate: X509Certificate) =>
  /^CN=(.*)$/m.exec(certificate.subject)?.[1] ?? '';

/**
 * The RDS certificate authorities in use since rds-ca-2019 expired (rds-ca-rsa2048-g1,
 * rds-ca-rsa4096-g1, rds-ca-ecc384-g1): one self-signed root of each per region, named
 * "Amazon RDS <region> Root CA <kind> G1".
 */
const CURRENT_RDS_ROOTS = ['RSA2048', 'RSA4096', 'ECC384'];

describe.each(['ingest', 'load'])('the %s bundle, which connects to a database', (stage) => {
  it('carries the current RDS root authorities of every region, each valid today', () => {
    const file = path.join(assetDirOf(stage), RDS_CA_BUNDLE_FILE);
    const roots = certificatesIn(fs.readFileSync(file, 'utf8')).filter(
      (c) => c.ca && c.checkIssued(c),
    );
    const named = new Map(roots.map((c) => [commonName(c), c]));
    const regions = new Set(
      [...named.keys()].flatMap((cn) => /^Amazon RDS (\S+) Root CA \S+ G1$/.exec(cn)?.[1] ?? []),
    );
    expect([...regions]).toEqual(expect.arrayContaining(['eu-west-2', 'us-east-1', 'eu-west-1']));
    const now = new Date();
    const missing = [...regions].flatMap((region) =>
      CURRENT_RDS_ROOTS.filter((kind) => {
        const root = named.get(`Amazon RDS ${region} Root CA ${kind} G1`);
        return !root || !(new Date(root.validFrom) < now && now < new Date(root.validTo));
      }).map((kind) => `${region} ${kind}`),
    );
    expect(missing).toEqual([]);
  });
});

it('ships no certificate authorities in the transform bundle, which reaches no database', () => {
  expect(fs.existsSync(path.join(assetDirOf('transform'), RDS_CA_BUNDLE_FILE))).toBe(false);
});

it('leaves no function to the runtime trust store for the database: no NODE_EXTRA_CA_CERTS', () => {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  }[];
  expect(functions.length).toBeGreaterThanOrEqual(3);
  const setting = functions.filter(
    (f) => f.Properties.Environment?.Variables?.NODE_EXTRA_CA_CERTS !== undefined,
  );
  expect(setting).toEqual([]);
});

it("prepares the warehouse at deploy time with the load's own bundle, through prepareHandler", () => {
  expect(assetDirOf('warehouse-preparation')).toBe(assetDirOf('load'));
  const code = fs.readFileSync(path.join(assetDirOf('load'), 'index.js'), 'utf8');
  expect(/\bprepareHandler:\(\)=>/.test(code)).toBe(true);
});
