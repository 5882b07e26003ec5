import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PartUploads } from '../../../lambdas/ingest/part-uploads';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const keyOf = (part: number) => `staff/batch${part === 0 ? '' : `.${part}`}.jsonl`;

/** `text` cut into chunks of `size` bytes, so lines fall across chunk boundaries. */
const chunked = (text: string, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
      Buffer.from(text.slice(i * size, (i + 1) * size)),
    ),
  );

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"staff_id":${i + 1}}\n`).join('');

async function upload(text: string, partRows: number, size: number) {
  const landing = memoryObjectStore('landing');
  const parts = new PartUploads(landing, keyOf, partRows);
  await finished(chunked(text, size).pipe(parts));
  const objects = parts.keys.map((key) => landing.objects.get(key)?.toString() ?? '');
  return { parts, objects, landing };
}

describe('PartUploads', () => {
  it.each([1, 5, 7, 1000])(
    'splits lines into parts of at most partRows, in order, whatever the chunks (%i bytes)',
    async (size) => {
      const text = lines(7);
      const { parts, objects } = await upload(text, 3, size);
      expect(parts.keys).toEqual([keyOf(0), keyOf(1), keyOf(2)]);
      expect(objects.map((o) => o.split('\n').length - 1)).toEqual([3, 3, 1]);
      expect(objects.join('')).toBe(text);
      expect(parts.lines).toBe(7);
      expect(parts.bytes).toBe(Buffer.byteLength(text));
    },
  );

  it('opens no empty part: a stream of exactly two parts is two objects, an empty one none', async () => {
    const full = await upload(lines(6), 3, 10);
    expect(full.parts.keys).toEqual([keyOf(0), keyOf(1)]);
    const empty = await upload('', 3, 10);
    expect(empty.parts.keys).toEqual([]);
    expect(empty.landing.objects.size).toBe(0);
    expect(empty.parts.lines).toBe(0);
  });

  it('fails with the upload that failed', async () => {
    const landing = memoryObjectStore('landing');
    const failing: ObjectStore = {
      ...landing,
      upload: (key, body) =>
        key === keyOf(1)
          ? Promise.reject(new Error('S3 refused the part'))
          : landing.upload(key, body),
    };
    const parts = new PartUploads(failing, keyOf, 2);
    await expect(finished(chunked(lines(20), 4).pipe(parts))).rejects.toThrow(
      'S3 refused the part',
    );
  });

  it('fails at once when an upload fails while its part is still being written, not waiting for it to drain', async () => {
    const refusing: ObjectStore = {
      ...memoryObjectStore('landing'),
      upload: () => Promise.reject(new Error('S3 refused the upload')),
    };
    const parts = new PartUploads(refusing, keyOf, 1_000_000);
    // Far more than a part's buffer holds: the writes wait on an upload that reads nothing.
    await expect(finished(chunked(lines(100_000), 65_536).pipe(parts))).rejects.toThrow(
      'S3 refused the upload',
    );
  });

  it('refuses a part size that is not a positive integer', () => {
    expect(() => new PartUploads(memoryObjectStore('landing'), keyOf, 0)).toThrow(
      'partRows must be a positive integer, not 0',
    );
  });
});
