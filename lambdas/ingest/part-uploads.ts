import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { ConfigurationError } from '../shared/core/pipeline-error';
import type { ObjectStore } from '../shared/ports/object-store';

/**
 * Uploads a stream of JSON lines as landing objects of at most `partRows` lines each, the lines
 * in the order they come. A part is opened by its first byte, so an empty stream uploads nothing
 * and no part is empty. Counts the lines and bytes it hands to the uploads: the extract checks
 * them against the row count PostgreSQL gives for its COPY.
 *
 * @example
 * const parts = new PartUploads(landing, (n) => landingKey('staff', batchId, n), 2_000_000);
 * await finished(copy.pipe(encoder).pipe(parts));
 */
export class PartUploads extends Writable {
  lines = 0;
  bytes = 0;
  /** The objects opened so far, in order. */
  readonly keys: string[] = [];
  private part: PassThrough | undefined;
  private upload: Promise<void> | undefined;
  private partLines = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly keyOf: (part: number) => string,
    private readonly partRows: number,
  ) {
    super();
    if (!Number.isSafeInteger(partRows) || partRows < 1) {
      throw new ConfigurationError(`partRows must be a positive integer, not ${partRows}`);
    }
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    void this.writeLines(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    void this.close().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // An upload still reading its part fails with the error rather than waiting for more.
    this.part?.destroy(error ?? undefined);
    done(error);
  }

  private async writeLines(chunk: Buffer): Promise<void> {
    for (let start = 0; start < chunk.length;) {
      if (this.partLines === this.partRows) await this.close();
      const part = this.part ?? this.open();
      let end = chunk.length;
      let lines = 0;
      for (let at = chunk.indexOf(10, start); at !== -1; at = chunk.indexOf(10, at + 1)) {
        lines++;
        if (this.partLines + lines === this.partRows) {
          end = at + 1;
          break;
        }
      }
      this.partLines += lines;
      this.lines += lines;
      this.bytes += end - start;
      if (!part.write(chunk.subarray(start, end))) {
        // A failed upload reads no more: its rejection ends the wait.
        await Promise.race([once(part, 'drain'), this.upload]);
      }
      start = end;
    }
  }

  private open(): PassThrough {
    const part = new PassThrough();
    // A failed part reaches this stream through its upload's rejection, below.
    part.on('error', () => undefined);
    const key = this.keyOf(this.keys.length);
    this.keys.push(key);
    this.part = part;
    this.partLines = 0;
    this.upload = this.store.upload(key, part, 'application/x-ndjson');
    // Handled here at once, so a failure between two writes stops the stream instead of
    // going unhandled; awaited again where the part is closed.
    void this.upload.catch((error: unknown) => this.destroy(error as Error));
    return part;
  }

  private async close(): Promise<void> {
    const { part, upload } = this;
    this.part = undefined;
    this.upload = undefined;
    this.partLines = 0;
    if (!part) return;
    part.end();
    await upload;
  }
}
