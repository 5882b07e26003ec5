import { catchUp, type CatchUpOptions } from '../../../lambdas/shared/catch-up';
import { manifestKey } from '../../../lambdas/shared/core/batch';
import { ConfigurationError } from '../../../lambdas/shared/core/pipeline-error';
import { ParkedBatchError } from '../../../lambdas/shared/parked-batch';
import { MissingObjectError } from '../../../lambdas/shared/ports/object-store';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';

const KEYS = [1, 2, 3, 4].map((n) => manifestKey(`20261123T00000${n}000Z-00000${n}`));

/** A catch-up over KEYS whose batches each take `batchMs` of an invocation of `timeoutMs`. */
function catchUpOver(options: {
  timeoutMs?: number;
  batchMs?: number;
  failing?: string;
  /** Fails `failing` with this error instead of a transient one. */
  failure?: Error;
  parking?: string;
  alone?: CatchUpOptions['alone'];
}) {
  const ran: string[] = [];
  let remaining = options.timeoutMs ?? 0;
  const outcome = catchUp({
    stage: 'load',
    logger: silentLogger,
    pending: () => Promise.resolve(KEYS),
    run: (key) => {
      ran.push(key);
      remaining -= options.batchMs ?? 0;
      if (key === options.parking) {
        const missing = { bucket: 'processed', key: `fact_payment/${key}.parquet` };
        const error = new MissingObjectError(missing.bucket, missing.key);
        return Promise.reject(new ParkedBatchError(key, 'load', missing, error));
      }
      return key === options.failing
        ? Promise.reject(options.failure ?? new Error('warehouse down'))
        : Promise.resolve();
    },
    ...(options.timeoutMs === undefined
      ? {}
      : { invocation: { getRemainingTimeInMillis: () => remaining } }),
    ...(options.alone ? { alone: options.alone } : {}),
  });
  return { ran, outcome };
}

describe('catching up on earlier batches', () => {
  it('finishes every batch owed, oldest first, when nothing limits it', async () => {
    const { ran, outcome } = catchUpOver({});
    expect(await outcome).toEqual({ finished: KEYS, parked: [], left: [] });
    expect(ran).toEqual(KEYS);
  });

  it('stops starting batches when the time left is needed, leaving the rest for the next run', async () => {
    // 100 s: after two 30 s batches 40 s are left, less than twice the longest.
    const { ran, outcome } = catchUpOver({ timeoutMs: 100_000, batchMs: 30_000 });
    expect(await outcome).toEqual({
      finished: KEYS.slice(0, 2),
      parked: [],
      left: KEYS.slice(2),
    });
    expect(ran).toEqual(KEYS.slice(0, 2));
  });

  it('stops at the first batch that fails, and answers the failure instead of throwing', async () => {
    const { ran, outcome } = catchUpOver({ failing: KEYS[1] });
    const result = await outcome;
    expect(ran).toEqual(KEYS.slice(0, 2));
    expect(result.finished).toEqual(KEYS.slice(0, 1));
    expect(result.left).toEqual(KEYS.slice(2));
    expect(result.failure?.manifestKey).toBe(KEYS[1]);
    expect((result.failure?.error as Error).message).toBe('warehouse down');
  });

  it('stops at a fatal error and throws it, so the invocation ends there instead of going on to its own batch', async () => {
    const fault = new ConfigurationError('WAREHOUSE_SECRET_ID is not set');
    const { ran, outcome } = catchUpOver({ failing: KEYS[1], failure: fault });
    await expect(outcome).rejects.toBe(fault);
    expect(ran).toEqual(KEYS.slice(0, 2));
  });

  it('goes on past a batch parked for a missing object, and answers it parked, not failed', async () => {
    const { ran, outcome } = catchUpOver({ parking: KEYS[1] });
    expect(await outcome).toEqual({
      finished: [KEYS[0], ...KEYS.slice(2)],
      parked: [KEYS[1]],
      left: [],
    });
    expect(ran).toEqual(KEYS);
  });

  it('answers a failure to find the batches owed', async () => {
    const result = await catchUp({
      stage: 'transform',
      logger: silentLogger,
      pending: () => Promise.reject(new Error('S3 down')),
      run: () => Promise.resolve(),
    });
    expect(result.finished).toEqual([]);
    expect((result.failure?.error as Error).message).toBe('S3 down');
  });

  it('leaves the batches to another run that is draining them already', async () => {
    const { ran, outcome } = catchUpOver({ alone: () => Promise.resolve(false) });
    expect(await outcome).toEqual({ finished: [], parked: [], left: [] });
    expect(ran).toEqual([]);
  });
});
