import { objectKeysOf } from '../../../lambdas/shared/adapters/s3-event';
import { batchIdFromManifestKey, manifestKey } from '../../../lambdas/shared/core/batch';

const batchId = '20261123T043451123Z-3f9a1c';

/** An S3 event notification naming one object by the key as S3 sends it (URL-encoded). */
const eventFor = (encodedKey: string) => ({
  Records: [{ s3: { bucket: { name: 'landing' }, object: { key: encodedKey } } }],
});

describe('S3 event keys are decoded exactly once, at the event boundary', () => {
  it("hands on a key with '%', '+' and a space as it was written", () => {
    // S3 sends a space as '+', a '+' as '%2B' and a '%' as '%25'.
    expect(objectKeysOf(eventFor('manifests/a+b%2Bc%25d.json'))).toEqual([
      'manifests/a b+c%d.json',
    ]);
    expect(objectKeysOf(eventFor('manifests/100%2525.json'))).toEqual(['manifests/100%25.json']);
  });

  it('round-trips a manifest key from the event to its batch id', () => {
    const [key] = objectKeysOf(eventFor(encodeURIComponent(manifestKey(batchId))));
    expect(key).toBe(manifestKey(batchId));
    expect(batchIdFromManifestKey(key!)).toBe(batchId);
  });

  it('does not decode a decoded key again: %63 in a key is not the letter c', () => {
    // The object `manifests/…3f9a1%63.json` is not batch …3f9a1c's manifest.
    const [key] = objectKeysOf(eventFor(`manifests/${batchId.slice(0, -1)}%2563.json`));
    expect(key).toBe(`manifests/${batchId.slice(0, -1)}%63.json`);
    expect(batchIdFromManifestKey(key!)).toBeUndefined();
  });

  it("answers undefined for a decoded key holding '%', '+' or a space, never a URIError", () => {
    for (const key of ['manifests/100%.json', 'manifests/a+b.json', 'manifests/a b.json']) {
      expect(batchIdFromManifestKey(key)).toBeUndefined();
    }
  });
});
