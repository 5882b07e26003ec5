/** The part of an S3 event notification the stages read. */
export interface S3EventLike {
  Records?: { s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
}

/**
 * The object keys of an S3 event. S3 URL-encodes keys in events (a space arrives as '+');
 * decoding here, and nowhere after, means the stages always see the key as it was written.
 */
export function objectKeysOf(event: S3EventLike): string[] {
  return (event.Records ?? [])
    .map((record) => record.s3?.object?.key)
    .filter((key): key is string => typeof key === 'string')
    .map((key) => decodeURIComponent(key.replace(/\+/g, ' ')));
}
