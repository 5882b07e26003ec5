/**
 * What the deletes reconciliation keeps between runs, per source table
 * (lambdas/ingest/deletes/reconcile-deletes.ts).
 */
export interface TableDeletesState {
  /** When a reconciliation last compared the whole table (not one stopped at the cap). */
  readonly reconciledAt?: string;
  /**
   * The last reconciliation stopped at the cap: the next run goes on, whatever the schedule.
   * `reconciledAt` stays the last one that finished, so a table that never gets past its cap
   * shows as overdue.
   */
  readonly resume?: true;
  /**
   * The batch that landed the table's last tombstones: until the warehouse has loaded it, the
   * warehouse still holds those keys alive and a reconciliation would land them again, so the
   * table waits.
   */
  readonly pendingBatch?: string;
  /** Tombstones the guard held: how many keys at least, their share of the table, and when. */
  readonly held?: HeldDeletes;
  /** An operator confirmed the held tombstones: the guard stays lifted until a run finishes. */
  readonly confirmed?: boolean;
}

export interface HeldDeletes {
  readonly keys: number;
  /** Of the keys the warehouse holds alive, 0 to 1. */
  readonly share: number;
  readonly at: string;
}

export type DeletesState = Readonly<Record<string, TableDeletesState>>;

/** Where the deletes state lives: an SSM parameter in AWS, a JSON file locally. */
export interface DeletesStateStore {
  deletesState(): Promise<DeletesState>;
  setDeletesState(state: DeletesState): Promise<void>;
  /** Where it is kept, in words an operator can act on. */
  locateDeletesState(): string;
}
