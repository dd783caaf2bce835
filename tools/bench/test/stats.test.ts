import { describe, expect, it } from 'vitest';
import { median, summarize } from '../src/stats.js';

describe('median / summarize', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('reports min, max and the samples in run order without sorting the input', () => {
    const samples = [30, 10, 50, 20, 40];
    const s = summarize(samples);
    expect(s).toEqual({ median: 30, min: 10, max: 50, samples: [30, 10, 50, 20, 40] });
    expect(samples).toEqual([30, 10, 50, 20, 40]);
  });

  it('throws on no samples and on non-finite samples', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => summarize([1, NaN])).toThrow(/not finite/);
    expect(() => summarize([1, Infinity])).toThrow(/not finite/);
  });
});
