import { describe, expect, it } from 'vitest';
import { SEED, umod, xorshift32, Xorshift32 } from '../src/prng.js';

// Computed independently (Python: x ^= x << 13 & 0xFFFFFFFF; x ^= x >> 17; x ^= x << 5 & 0xFFFFFFFF).
const FIRST_TEN_SEED_1 = [
  270369, 67634689, 2647435461, 307599695, 2398689233, 745495504, 632435482, 435756210, 2005365029,
  2916098932,
];

describe('xorshift32', () => {
  it('gives the reference sequence for seed 1', () => {
    let x = SEED;
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push((x = xorshift32(x)));
    expect(got).toEqual(FIRST_TEN_SEED_1);
  });

  it('stays unsigned (values above 2^31 are positive)', () => {
    expect(FIRST_TEN_SEED_1[2]).toBeGreaterThan(2 ** 31);
    let x = SEED;
    let bad = 0;
    let high = 0;
    for (let i = 0; i < 100_000; i++) {
      x = xorshift32(x);
      if (x >>> 0 !== x) bad++;
      if (x >= 2 ** 31) high++;
    }
    expect(bad).toBe(0);
    expect(high).toBeGreaterThan(40_000);
  });

  it('the class draws the same sequence and reduces with %', () => {
    const r = new Xorshift32();
    expect([r.next(), r.next(), r.next()]).toEqual(FIRST_TEN_SEED_1.slice(0, 3));
    expect(r.below(10_000)).toBe(FIRST_TEN_SEED_1[3] % 10_000);
    expect(r.state).toBe(FIRST_TEN_SEED_1[3]);
  });

  it('refuses seed 0 (a fixed point) and non-uint32 seeds', () => {
    expect(() => new Xorshift32(0)).toThrow(RangeError);
    expect(() => new Xorshift32(-1)).toThrow(RangeError);
    expect(() => new Xorshift32(1.5)).toThrow(RangeError);
  });
});

describe('umod', () => {
  it('equals % for uint32 values, including the extremes', () => {
    const divisors = [
      1,
      2,
      3,
      7,
      512,
      10_000,
      65_537,
      1_000_003,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
    ];
    const edges = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1];
    let x = SEED;
    let checked = 0;
    for (const n of divisors) {
      const values = [...edges, n - 1, n, n + 1, 2 * n - 1, Math.floor((2 ** 32 - 1) / n) * n - 1];
      for (let i = 0; i < 20_000; i++) values.push((x = xorshift32(x)));
      for (const v of values) {
        if (v < 0 || v > 2 ** 32 - 1) continue;
        if (umod(v, n) !== v % n)
          throw new Error(`umod(${v}, ${n}) = ${umod(v, n)}, % gives ${v % n}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200_000);
  });
});
