/** Starts another run of the running function with `event`, without waiting for that run. */
export interface SelfInvoker {
  invokeAsync(event: unknown): Promise<void>;
}
