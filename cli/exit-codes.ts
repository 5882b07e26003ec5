/** The exit codes of a command other than 0, success: `deliverance --help` lists them. */
export const EXIT = {
  /** The pipeline failed: a database, S3, a batch (the line says which). */
  failure: 1,
  /** The command line or a setting is wrong. */
  usage: 2,
  /**
   * The command did its work, but something needs the operator: rows set aside, paused tables,
   * failures, parked batches, no state yet (as `dbt source freshness` exits non-zero).
   */
  attention: 3,
  /** The machine failed the local stack: no space, no permission, too many open files. */
  localFault: 4,
  /** Another command holds the state folder; try again when it ends. */
  stateFolderBusy: 5,
  /** Ctrl-C: 128 + SIGINT, as a shell reports it. */
  interrupted: 130,
} as const;
