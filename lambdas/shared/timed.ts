/** How long one stage run took. */
export interface StageTiming {
  readonly seconds: number;
}

/** `work`'s result with the seconds it took. */
export async function timed<T>(work: () => Promise<T>): Promise<T & StageTiming> {
  const started = performance.now();
  const result = await work();
  return { ...result, seconds: (performance.now() - started) / 1000 };
}
