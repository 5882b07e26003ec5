import { MANIFEST_MAX_BYTES, ManifestError, type ManifestLocation } from './core/manifest';
import type { ObjectStore } from './ports/object-store';

/**
 * Reads and parses a manifest, refusing one over MANIFEST_MAX_BYTES before it is parsed: the
 * read stops at the bound, so a huge object is never held whole.
 *
 * @throws {ManifestError} for a manifest over the bound, not UTF-8, or refused by `parse`.
 * @example
 * const manifest = await readManifest(landing, manifestKey(batchId), parseLandingManifest);
 */
export async function readManifest<M>(
  store: ObjectStore,
  key: string,
  parse: (text: string, at: ManifestLocation) => M,
): Promise<M> {
  const where = `s3://${store.bucket}/${key}`;
  const parts: Buffer[] = [];
  let bytes = 0;
  // Leaving the loop early destroys the stream, which aborts the rest of the download.
  for await (const part of await store.stream(key)) {
    bytes += (part as Buffer).length;
    if (bytes > MANIFEST_MAX_BYTES) {
      throw new ManifestError(
        where,
        `it holds more than ${MANIFEST_MAX_BYTES} bytes, where a manifest is a few KB`,
      );
    }
    parts.push(part as Buffer);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts));
  } catch {
    throw new ManifestError(where, 'it is not UTF-8');
  }
  return parse(text, { bucket: store.bucket, key });
}
