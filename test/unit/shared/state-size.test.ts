import { errorKind } from '../../../lambdas/shared/core/pipeline-error';
import {
  refuseOversizedState,
  STANDARD_PARAMETER_BYTES,
} from '../../../lambdas/shared/core/state-size';

const where = 'SSM parameter /deliverance/test/deletes';

describe('the state size rule', () => {
  it('lets through a value of up to 4 KB', () => {
    expect(STANDARD_PARAMETER_BYTES).toBe(4096);
    expect(() => refuseOversizedState(where, 'x'.repeat(4096), 'delete it')).not.toThrow();
  });

  it('refuses a byte more as a fatal fault, in one line naming where, the size and what to do', () => {
    const failure = (() => {
      try {
        return refuseOversizedState(where, 'x'.repeat(4097), 'delete it');
      } catch (error) {
        return error;
      }
    })();
    expect(errorKind(failure)).toBe('fatal');
    expect((failure as Error).message).toBe(
      'SSM parameter /deliverance/test/deletes would hold 4097 bytes, more than the 4096 an SSM Standard parameter holds, so nothing was written: delete it',
    );
  });

  it('counts bytes, not characters: a column name of accented letters takes two each', () => {
    expect(() => refuseOversizedState(where, 'é'.repeat(2048), 'delete it')).not.toThrow();
    expect(() => refuseOversizedState(where, 'é'.repeat(2049), 'delete it')).toThrow(
      /would hold 4098 bytes/,
    );
  });
});
