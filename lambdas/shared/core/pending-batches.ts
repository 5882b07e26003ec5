/**
 * What a stage still owes earlier batches, decided from what the buckets and the load log say:
 * the stages list, this answers. Batch ids sort by the time they were cut, so a sorted list is
 * oldest first.
 */

export interface BatchLedger {
  /** Batches the previous stage handed over (its manifest exists). */
  readonly handedOver: Iterable<string>;
  /** Batches this stage finished (its own manifest, or the load log). */
  readonly finished: Iterable<string>;
  /** Batches with a quarantined object: they wait for an operator, not for a retry. */
  readonly setAside: Iterable<string>;
  /** Only batches cut before this one (the batch of the event being handled). */
  readonly before?: string;
}

/**
 * The batches handed over to a stage that it has not finished and that nobody set aside, oldest
 * first.
 *
 * @example
 * pendingBatchIds({ handedOver: ['b1', 'b2', 'b3'], finished: ['b1'], setAside: ['b2'] }); // ['b3']
 */
export function pendingBatchIds(ledger: BatchLedger): string[] {
  const finished = new Set(ledger.finished);
  const setAside = new Set(ledger.setAside);
  const { before } = ledger;
  return [...new Set(ledger.handedOver)]
    .filter((id) => !finished.has(id) && !setAside.has(id))
    .filter((id) => before === undefined || id < before)
    .sort();
}
