import { catchUp } from '../../../lambdas/shared/catch-up';
import { manifestKey } from '../../../lambdas/shared/core/batch';
import { ParkedBatchError } from '../../../lambdas/shared/parked-batch';
import { MissingObjectError } from '../../../lambdas/shared/ports/object-store';
import { recordingLogger } from '../../support/fakes/recording-logger';

const IDS = [1, 2, 3].map((n) => `20261123T00000${n}000Z-00000${n}`);
const KEYS = IDS.map(manifestKey);

describe('what a catch-up tells the operator', () => {
  it('warns of the batches it owes, and of those parked for a missing object that it went past', async () => {
    const log = recordingLogger();
    await catchUp({
      stage: 'load',
      logger: log,
      pending: () => Promise.resolve(KEYS),
      run: (key) =>
        key === KEYS[1]
          ? Promise.reject(
              new ParkedBatchError(
                key,
                'load',
                { bucket: 'processed', key: 'x' },
                new MissingObjectError('processed', 'x'),
              ),
            )
          : Promise.resolve(),
    });
    expect(log.lines).toEqual([
      [
        'warn',
        'Catching up 3 earlier batches the load did not finish',
        { stage: 'load', owed: IDS },
      ],
      [
        'warn',
        '1 earlier batches are parked for a missing object: went on past them',
        { stage: 'load', parked: [IDS[1]] },
      ],
    ]);
  });

  it('warns when time runs short, naming the batches left for the next run', async () => {
    const log = recordingLogger();
    let remaining = 60_000;
    await catchUp({
      stage: 'transform',
      logger: log,
      pending: () => Promise.resolve(KEYS),
      run: () => {
        remaining -= 25_000;
        return Promise.resolve();
      },
      invocation: { getRemainingTimeInMillis: () => remaining },
    });
    expect(log.lines.at(-1)).toEqual([
      'warn',
      `Time is short: 2 earlier batches are left for the next run`,
      { stage: 'transform', left: IDS.slice(1) },
    ]);
  });

  it('reports a batch that failed, and how many are left behind it, as an error', async () => {
    const log = recordingLogger();
    const outcome = await catchUp({
      stage: 'load',
      logger: log,
      pending: () => Promise.resolve(KEYS),
      run: (key) =>
        key === KEYS[0] ? Promise.reject(new Error('warehouse down')) : Promise.resolve(),
    });
    expect(outcome.left).toEqual(KEYS.slice(1));
    expect(log.lines.at(-1)).toEqual([
      'error',
      'The load could not catch up: the next run tries again',
      { stage: 'load', failedBatchId: IDS[0], reason: 'warehouse down', left: 2 },
    ]);
  });
});
