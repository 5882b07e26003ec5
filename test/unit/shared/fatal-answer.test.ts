import { isStageFault } from '../../../contract/stage-fault';
import { ConfigurationError, TransientError } from '../../../lambdas/shared/core/pipeline-error';
import { answerFatal } from '../../../lambdas/shared/fatal-answer';

/** A load handler that throws `error`, with its reporting watched. */
function failingWith(error: Error) {
  const logged: string[] = [];
  const count = jest.fn();
  const logger = {
    info: () => undefined,
    warn: () => undefined,
    error: (message: string) => void logged.push(message),
  };
  const handler = answerFatal('load', { logger, count }, () => Promise.reject(error));
  return { invoke: () => handler({}, {}), logged, count };
}

describe('a stage handler meeting an error', () => {
  it('answers a fatal error instead of throwing it, so Lambda does not retry it, and reports it once', async () => {
    const fault = new ConfigurationError('MAX_BATCH_ROWS: "0" is not a whole number from 1');
    const { invoke, logged, count } = failingWith(fault);
    const answer = await invoke();
    expect(isStageFault(answer)).toBe(true);
    expect(answer).toEqual({
      fault: { kind: 'fatal', name: 'ConfigurationError', message: fault.message },
    });
    expect(count).toHaveBeenCalledTimes(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^The load stopped at a fatal error, not retried: MAX_BATCH_ROWS/);
  });

  it('throws a transient error, so Lambda retries it and then dead-letters the event', async () => {
    const outage = new TransientError('the warehouse did not answer');
    const { invoke, logged, count } = failingWith(outage);
    await expect(invoke()).rejects.toBe(outage);
    expect(count).not.toHaveBeenCalled();
    expect(logged).toEqual([]);
  });

  it('throws an error Deliverance did not raise, as transient', async () => {
    const { invoke, count } = failingWith(new Error('socket hang up'));
    await expect(invoke()).rejects.toThrow('socket hang up');
    expect(count).not.toHaveBeenCalled();
  });

  it('answers what the handler answers when nothing fails', async () => {
    const handler = answerFatal('ingest', { logger: console, count: jest.fn() }, () =>
      Promise.resolve({ batchId: 'b1' }),
    );
    expect(await handler({}, {})).toEqual({ batchId: 'b1' });
  });
});
