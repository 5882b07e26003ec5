/** The part of Lambda's invocation context that bounds what a stage may still start. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}
