import { parseCommandLine, selectedEnvironment } from '../../../cli/arguments';
import { COMMANDS } from '../../../cli/command-specs';
import { tableOption } from '../../../cli/commands/pause';
import { redriveCommand } from '../../../cli/commands/redrive';
import { replayCommand } from '../../../cli/commands/replay';
import { resyncCommand } from '../../../cli/commands/resync';
import { readSettings, UsageError } from '../../../cli/settings';

const BATCH = '20261123T043451123Z-3f9a1c';
const replay = { env: undefined, batch: BATCH, stage: undefined, force: false, verbose: false };

/**
 * Each refusal of a command's options, before it opens anything: the usage error (exit 2) in
 * the words the operator sees. Each case would otherwise reach a server, a deployed stack or a
 * state folder, which none of these tests has.
 */
const REFUSALS: [string, () => unknown, string][] = [
  [
    'a table command without a source table',
    () => tableOption('pause', 'widgets'),
    'pause needs --table with a source table: address, counterparty, currency, department, design, payment_type, staff, sales_order, purchase_order, transaction, payment (not "widgets")',
  ],
  [
    'resync --from that is no timestamp',
    () => resyncCommand({ env: undefined, table: 'staff', from: 'yesterday' }),
    'resync --from must be a UTC timestamp such as 2026-11-23T04:30:00Z, not "yesterday"',
  ],
  [
    'status --limit that is no whole number',
    () => parseCommandLine(['status', '--limit', '2.5'], COMMANDS),
    '--limit must be a whole number from 1 up to 1000, not "2.5"',
  ],
  [
    'status --limit of no runs',
    () => parseCommandLine(['status', '--limit', '0'], COMMANDS),
    '--limit must be a whole number from 1 up to 1000, not "0"',
  ],
  [
    'seed --scale of nothing',
    () => parseCommandLine(['seed', '--scale', '0'], COMMANDS),
    '--scale must be a number above 0 up to 1000, not "0"',
  ],
  [
    'demo --scale that is no number',
    () => parseCommandLine(['demo', '--scale', 'big'], COMMANDS),
    '--scale must be a number above 0 up to 1000, not "big"',
  ],
  [
    'redrive without --env',
    () => redriveCommand({ env: undefined, stage: undefined }),
    'redrive needs --env NAME (or DELIVERANCE_ENV): dead-letter queues exist only in a deployed stack; locally, deliverance run catches up on failed batches',
  ],
  [
    'redrive of the ingest queue',
    () => parseCommandLine(['redrive', '--env', 'dev', '--stage', 'ingest'], COMMANDS),
    '--stage must be one of transform, load, not "ingest"',
  ],
  [
    'replay of no batch id',
    () => replayCommand({ ...replay, batch: 'latest' }),
    'replay needs --batch ID, a batch id such as 20261123T043451123Z-3f9a1c (not "latest")',
  ],
  [
    'replay of the ingest stage',
    () => parseCommandLine(['replay', '--batch', BATCH, '--stage', 'ingest'], COMMANDS),
    '--stage must be one of transform, load, not "ingest"',
  ],
  [
    'replay --purge of a deployed stack',
    () => replayCommand({ ...replay, env: 'dev', purge: true }),
    'replay --purge works on the local state folder only: deployed, mark the run record yourself (docs/operations.md, "Parked batches")',
  ],
  [
    'replay --force of a deployed stack',
    () => replayCommand({ ...replay, env: 'dev', force: true }),
    'replay --force works on the local state folder only: a deployed function skips a batch already done, as its own redelivery would (docs/operations.md, "Replay")',
  ],
  [
    '--env that is no environment name',
    () => selectedEnvironment('prod;rm'),
    '--env must name an environment such as prod (letters, digits, dashes), not "prod;rm"',
  ],
  [
    'a negative overlap',
    () => readSettings({ DELIVERANCE_OVERLAP_SECONDS: '-1' }),
    'DELIVERANCE_OVERLAP_SECONDS: "-1" is not a whole number of seconds from 0 to 86400',
  ],
  [
    'a batch cap of no rows',
    () => readSettings({ DELIVERANCE_MAX_BATCH_ROWS: '0' }),
    'DELIVERANCE_MAX_BATCH_ROWS: "0" is not a whole number of rows from 1 to 1000000000',
  ],
];

describe('the command line refuses options it cannot act on, before it opens anything', () => {
  it.each(REFUSALS)('%s', async (_name, command, message) => {
    const refusal = await Promise.resolve()
      .then(command)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toBe(message);
  });
});
