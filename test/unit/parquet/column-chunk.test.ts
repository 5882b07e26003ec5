import { DICTIONARY_SAMPLE, int32Dictionary } from '../../../lambdas/shared/parquet/column-chunk';

function plain(values: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

describe('int32Dictionary', () => {
  it('gives the distinct values in first-seen order and each value its index', () => {
    expect(int32Dictionary(plain([7, -3, 7, 7, -3, 2147483647, 7, -3]))).toEqual({
      values: Int32Array.from([7, -3, 2147483647]),
      indexes: Int32Array.from([0, 1, 0, 0, 1, 2, 0, 1]),
    });
  });

  it('takes a column whose distinct values are half its values, not one more', () => {
    expect(int32Dictionary(plain([1, 2, 1, 2]))?.values).toEqual(Int32Array.from([1, 2]));
    expect(int32Dictionary(plain([1, 2, 3, 1]))).toBeUndefined();
    expect(int32Dictionary(plain([5]))).toBeUndefined();
  });

  it('gives up on a column whose first values are more than half distinct, however it goes on', () => {
    const length = DICTIONARY_SAMPLE * 4;
    const idsThenRepeats = Array.from({ length }, (_, i) =>
      i < DICTIONARY_SAMPLE ? (i * 2) % (DICTIONARY_SAMPLE + 2) : 7,
    );
    expect(int32Dictionary(plain(idsThenRepeats))).toBeUndefined();
    const halfDistinct = Array.from({ length }, (_, i) => i % (DICTIONARY_SAMPLE / 2));
    expect(int32Dictionary(plain(halfDistinct))?.values).toHaveLength(DICTIONARY_SAMPLE / 2);
  });
});
