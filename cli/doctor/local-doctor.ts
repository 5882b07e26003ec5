import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createS3Client, S3ObjectStore } from '../../lambdas/shared/adapters/s3-object-store';
import { tableSetting } from '../../contract/settings';
import { LOCAL_BUCKETS } from '../../local/local-stack';
import { localWatermarkStore } from '../../local/pipeline-context';
import { hasEmbeddedPostgres, localServers, type LocalServers } from '../environment';
import type { CliSettings } from '../settings';
import { errorLine } from '../error-line';
import { fail, type DoctorCheck, type DoctorPlan } from './doctor-check';
import { databaseChecks, SOURCE_RIGHTS, WAREHOUSE_RIGHTS } from './database-checks';
import { urlTarget } from './database-target';
import { deletesCheck } from './deletes-checks';
import { bucketCheck } from './object-store-checks';
import { schemaChangeCheck } from './schema-checks';
import { watermarkCheck } from './watermark-checks';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * The local checks. An embedded server is started only for what the settings leave to the
 * state folder, and only once that part of it exists: doctor creates no state, it says how to.
 */
export async function localDoctor(settings: CliSettings): Promise<DoctorPlan> {
  const { stateDir } = settings;
  const embeddedDatabases = !settings.sourceUrl || !settings.warehouseUrl;
  const embeddedS3 = !settings.s3Endpoint;
  const title = `deliverance doctor: local, state folder ${stateDir}`;
  const stateFailure = (detail: string, fix: string): DoctorPlan => ({
    title,
    checks: [{ name: 'local state', run: async () => fail(detail, fix) }],
    close: async () => undefined,
  });
  if (embeddedDatabases && !(await hasEmbeddedPostgres(stateDir))) {
    return stateFailure(
      `nothing is set up in ${stateDir} yet (no embedded database)`,
      'run deliverance seed --scale 1 then deliverance run (or deliverance demo); or set DELIVERANCE_SOURCE_URL and DELIVERANCE_WAREHOUSE_URL',
    );
  }
  const s3Present = embeddedS3 && (await exists(join(stateDir, 's3')));
  let local: LocalServers;
  try {
    // As status does: the servers of a command holding the state folder, else its own.
    local = await localServers(settings, { s3: s3Present, readOnly: true, command: 'doctor' });
  } catch (error) {
    return stateFailure(
      `the embedded servers in ${stateDir} did not start: ${errorLine(error, stateDir).line}`,
      'is another deliverance command using this state folder? Let it finish, or stop it, and run doctor again',
    );
  }
  const stack = local.servers;
  const embeddedUrl = (database: string) => {
    const url = stack?.postgres?.url(database);
    if (!url) throw new Error('The embedded PostgreSQL did not start');
    return url;
  };
  const source = databaseChecks(
    settings.sourceUrl
      ? urlTarget('source', 'DELIVERANCE_SOURCE_URL', settings.sourceUrl)
      : urlTarget('source', 'the embedded totesys database', embeddedUrl('totesys')),
    SOURCE_RIGHTS,
  );
  const warehouse = databaseChecks(
    settings.warehouseUrl
      ? urlTarget('warehouse', 'DELIVERANCE_WAREHOUSE_URL', settings.warehouseUrl)
      : urlTarget('warehouse', 'the embedded warehouse database', embeddedUrl('warehouse')),
    WAREHOUSE_RIGHTS,
  );
  const endpoint = settings.s3Endpoint
    ? { url: settings.s3Endpoint, region: process.env.AWS_REGION ?? 'us-east-1' }
    : stack?.s3?.endpoint;
  const s3 = endpoint ? createS3Client(endpoint) : undefined;
  const buckets: DoctorCheck[] = s3
    ? (['landing', 'processed'] as const).map((name) =>
        bucketCheck(
          name,
          new S3ObjectStore(s3, LOCAL_BUCKETS[name]),
          settings.s3Endpoint
            ? `create bucket ${LOCAL_BUCKETS[name]} at DELIVERANCE_S3_ENDPOINT, or unset it to use the state folder's`
            : `deliverance run creates it in ${stateDir}`,
        ),
      )
    : [
        {
          name: 'buckets',
          run: async () =>
            fail(
              `no local object store in ${stateDir} yet`,
              'deliverance run creates it; or set DELIVERANCE_S3_ENDPOINT',
            ),
        },
      ];
  const watermarks = localWatermarkStore(stateDir);
  return {
    title,
    checks: [
      ...source.checks,
      ...warehouse.checks,
      ...buckets,
      watermarkCheck(watermarks),
      schemaChangeCheck(watermarks),
      deletesCheck({
        state: watermarks,
        watermarks,
        schedule: (table) => tableSetting(settings.deletesSchedule, table),
      }),
    ],
    async close() {
      await Promise.all([source.close(), warehouse.close()]);
      s3?.destroy();
      await local.release();
    },
  };
}
