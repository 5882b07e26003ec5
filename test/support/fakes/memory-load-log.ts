import type { LatestLoad, LoadLog, LoadLogEntry } from '../../../lambdas/shared/ports/load-log';

/** The load log in memory, for the unit tests of the load stage. */
export class MemoryLoadLog implements LoadLog {
  readonly entries = new Map<string, LoadLogEntry & { loadedAt: string }>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async exists(): Promise<boolean> {
    return true;
  }

  async has(batchId: string): Promise<boolean> {
    return this.entries.has(batchId);
  }

  async record(entry: LoadLogEntry): Promise<void> {
    this.entries.set(entry.batchId, { ...entry, loadedAt: this.clock().toISOString() });
  }

  async loadedSince(from: string): Promise<string[]> {
    return [...this.entries.keys()].filter((id) => id >= from).sort();
  }

  async loadedOn(day: string): Promise<string[]> {
    return [...this.entries.keys()].filter((id) => id.startsWith(day)).sort();
  }

  async latest(): Promise<LatestLoad | undefined> {
    const newest = [...this.entries.values()].sort((a, b) => a.batchId.localeCompare(b.batchId));
    const last = newest.at(-1);
    if (!last) return undefined;
    const changes = newest.flatMap((e) => e.newestSourceChange ?? []).sort();
    return {
      batchId: last.batchId,
      loadedAt: last.loadedAt,
      newestSourceChange: changes.at(-1) ?? null,
    };
  }
}
