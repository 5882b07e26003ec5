/**
 * An optional hook that tells a benchmark where a stage's time goes. With no recorder set (as in
 * Lambda) every call is a no-op; `npm run bench` sets one in the stage's process.
 */
export type PhaseRecorder = (phase: string, milliseconds: number) => void;

let recorder: PhaseRecorder | undefined;

export function setPhaseRecorder(next: PhaseRecorder | undefined): void {
  recorder = next;
}

/** A start mark for {@link phaseEnd}; 0 when nobody is listening. */
export function phaseStart(): number {
  return recorder ? performance.now() : 0;
}

/** Adds the time since `started` (from {@link phaseStart}) to `phase`. */
export function phaseEnd(phase: string, started: number): void {
  if (recorder) recorder(phase, performance.now() - started);
}

/** Times one awaited step as `phase`. */
export async function timePhase<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const started = phaseStart();
  try {
    return await work();
  } finally {
    phaseEnd(phase, started);
  }
}
