import { batchIdInKey } from '../../../lambdas/shared/core/batch';
import { timeForAnotherBatch } from '../../../lambdas/shared/core/catch-up-budget';
import { pendingBatchIds } from '../../../lambdas/shared/core/pending-batches';

const B1 = '20261122T235500000Z-000001';
const B2 = '20261123T000000000Z-000002';
const B3 = '20261123T000500000Z-000003';
const B4 = '20261123T001000000Z-000004';

describe('the batches a stage still owes', () => {
  it('are those handed over, not finished and not set aside, oldest first', () => {
    expect(
      pendingBatchIds({ handedOver: [B4, B2, B1, B3], finished: [B1], setAside: [B3] }),
    ).toEqual([B2, B4]);
  });

  it('stop before the batch of the event in hand, and count a batch listed twice once', () => {
    expect(
      pendingBatchIds({ handedOver: [B1, B2, B2, B3, B4], finished: [], setAside: [], before: B3 }),
    ).toEqual([B1, B2]);
  });

  it('are set aside by any quarantined key that names their batch', () => {
    expect(batchIdInKey(`quarantine/fact_payment/${B2}.parquet`)).toBe(B2);
    expect(batchIdInKey(`quarantine/manifests/${B2}.json.reason.json`)).toBe(B2);
    expect(batchIdInKey(`quarantine/sales_order/${B2}.1.jsonl`)).toBe(B2);
    expect(batchIdInKey('quarantine/sales_order/notes.jsonl')).toBeUndefined();
    expect(batchIdInKey(`quarantine/x${B2}.json`)).toBeUndefined();
  });
});

describe('the time budget of a catch-up', () => {
  const minutes = (n: number) => n * 60_000;

  it('always starts the first batch', () => {
    expect(
      timeForAnotherBatch({
        remainingMs: minutes(5),
        startedWithMs: minutes(5),
        longestBatchMs: 0,
      }),
    ).toBe(true);
  });

  it('keeps a quarter of the invocation for the batch of the event', () => {
    const clock = { startedWithMs: minutes(4), longestBatchMs: 1_000 };
    expect(timeForAnotherBatch({ ...clock, remainingMs: minutes(1) })).toBe(true);
    expect(timeForAnotherBatch({ ...clock, remainingMs: minutes(1) - 1 })).toBe(false);
  });

  it('keeps twice the longest batch so far: the next one, and the batch of the event', () => {
    const clock = { startedWithMs: minutes(4), longestBatchMs: minutes(1) };
    expect(timeForAnotherBatch({ ...clock, remainingMs: minutes(2) })).toBe(true);
    expect(timeForAnotherBatch({ ...clock, remainingMs: minutes(2) - 1 })).toBe(false);
  });
});
