import { parseProcessedManifest } from '../../../lambdas/shared/core/manifest';
import { readManifestOrQuarantine, quarantineObject } from '../../../lambdas/shared/quarantine';
import { MissingObjectError } from '../../../lambdas/shared/ports/object-store';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const BATCH = '20261123T043451123Z-3f9a1c';
const KEY = `manifests/${BATCH}.json`;

describe('quarantine', () => {
  it('copies a refused object aside, keeps the original, and writes the reason beside the copy', async () => {
    const store = memoryObjectStore('landing');
    await store.put(`staff/${BATCH}.jsonl`, '{"staff_id":1}\nnot json\n');
    const set = await quarantineObject(store, `staff/${BATCH}.jsonl`, 'line 2: not JSON', BATCH);
    expect(set).toEqual({
      source: `s3://landing/staff/${BATCH}.jsonl`,
      quarantineKey: `quarantine/staff/${BATCH}.jsonl`,
      reason: 'line 2: not JSON',
    });
    expect((await store.get(set.quarantineKey)).toString()).toBe('{"staff_id":1}\nnot json\n');
    expect(await store.exists(`staff/${BATCH}.jsonl`)).toBe(true);
    const reason = JSON.parse((await store.get(`${set.quarantineKey}.reason.json`)).toString());
    expect(reason).toEqual({
      source: `s3://landing/staff/${BATCH}.jsonl`,
      batchId: BATCH,
      reason: 'line 2: not JSON',
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it("sets a manifest it cannot parse aside with the parser's reason, and still fails the batch", async () => {
    const store = memoryObjectStore('processed');
    await store.put(KEY, '{"kind":"processed"');
    await expect(
      readManifestOrQuarantine(store, KEY, parseProcessedManifest, BATCH, silentLogger),
    ).rejects.toThrow(`Manifest s3://processed/${KEY} is invalid`);
    expect(await store.list('quarantine/')).toEqual([
      `quarantine/${KEY}`,
      `quarantine/${KEY}.reason.json`,
    ]);
  });

  it('sets nothing aside for a manifest that is missing: the stage parks its batch instead', async () => {
    const store = memoryObjectStore('processed');
    const reads = jest.spyOn(store, 'stream');
    await expect(
      readManifestOrQuarantine(store, KEY, parseProcessedManifest, BATCH, silentLogger),
    ).rejects.toBeInstanceOf(MissingObjectError);
    // Read once, by the reader: no copy of it was even tried.
    expect(reads.mock.calls).toEqual([[KEY]]);
    expect(await store.list('quarantine/')).toEqual([]);
  });
});
