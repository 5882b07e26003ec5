import { PAUSED_TABLES_PARAMETER, type DatabaseEndpoint } from './stage-access';

/**
 * What a deployed stack tells the `deliverance` command line about itself: one SSM parameter
 * the stack writes (`lib/operator-access.ts`) and an operator reads with their own credentials
 * (`cli/remote/deployed-stack.ts`), so `--env prod` is all a command needs to find the stack.
 */

/** The stages an operator invokes again: a replay or a redrive of a dead-lettered event. */
export const REPLAYED_STAGES = ['transform', 'load'] as const;
export type ReplayedStage = (typeof REPLAYED_STAGES)[number];

/** A dead-letter queue and the stage whose failed events it holds. */
export interface DeadLetterQueueEntry {
  /** `ingest-schedule`, `ingest`, `transform` or `load`: the name in its alarm. */
  readonly name: string;
  readonly url: string;
}

export interface OperationsParameter {
  readonly version: 1;
  readonly environment: string;
  readonly landingBucket: string;
  readonly processedBucket: string;
  /** Watermarks are `<prefix>/watermarks/<table>`; the paused tables `<prefix>/paused-tables`. */
  readonly watermarkParameterPrefix: string;
  readonly functions: Readonly<Record<'ingest' | ReplayedStage, string>>;
  readonly deadLetterQueues: readonly DeadLetterQueueEntry[];
  readonly alarms: readonly string[];
  /** The SNS topic the alarms notify (`deliverance doctor` checks its subscriptions are confirmed); absent from stacks deployed before it. */
  readonly alarmTopicArn?: string;
  /** The database secrets' names or ARNs (`deliverance doctor` checks them); absent from stacks deployed before it. */
  readonly databaseSecrets?: Readonly<Record<'source' | 'warehouse', string>>;
  /** The host, port and database the context sets for each database, winning over the secret's. */
  readonly databaseEndpoints?: Readonly<Record<'source' | 'warehouse', DatabaseEndpoint>>;
}

/**
 * The parameter's name for an environment: fixed by the environment alone, whatever the
 * watermark prefix, so an operator needs nothing but `--env`.
 *
 * @example
 * operationsParameterName('prod'); // '/deliverance/prod/operations'
 */
export function operationsParameterName(environment: string): string {
  return `/deliverance/${environment}/operations`;
}

/** The SSM parameter holding the paused tables, a JSON array of table names. */
export function pausedTablesParameterName(watermarkParameterPrefix: string): string {
  return `${watermarkParameterPrefix.replace(/\/$/, '')}/${PAUSED_TABLES_PARAMETER}`;
}
