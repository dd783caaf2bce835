/**
 * xorshift32 (Marsaglia 2003, "Xorshift RNGs", triple 13/17/5), the one PRNG every workload
 * draws from (shared/bench/WORKLOADS.md "Common rules"): an unsigned 32-bit state, seed 1,
 * one step `x ^= x << 13; x ^= x >>> 17; x ^= x << 5`, and a "draw" is one step followed by
 * using `x`. The Python scripts in tools/bench/python implement the same step, so both sides
 * build identical inputs.
 *
 * Hot loops inline the three lines themselves (with a final `>>> 0`); this module is the
 * reference they are tested against.
 */

/** The seed every workload starts from. */
export const SEED = 1;

/**
 * One xorshift32 step: returns the next unsigned state. The shifts run on int32 (JS bit
 * operators), which gives the same bits as the unsigned C version; `>>> 0` makes it unsigned.
 */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/**
 * `x % n` for an unsigned 32-bit `x` and an integer `n` ≥ 1, computed as
 * `x − floor(x / n) · n`. Same value as `%`, faster in V8's hot loops: V8 compiles `%` of a
 * uint32 (above 2^31 it is not a small integer) by a variable divisor to a float modulus,
 * ~15 ns per A1 iteration on this machine (half of a pair's budget), where a C benchmark's
 * `%` by a constant costs about a nanosecond. Exact: x / n < 2^32 / n, whose ulp is below
 * 2^-19 / n, while a non-integer quotient lies at least 1 / n below the next integer, so the
 * rounded quotient never reaches it and the floor is the true one.
 */
export function umod(x: number, n: number): number {
  return x - Math.floor(x / n) * n;
}

/** A stateful xorshift32 for untimed code (input building, verification). */
export class Xorshift32 {
  /** The current state; 0 is a fixed point of xorshift and is refused. */
  state: number;

  constructor(seed: number = SEED) {
    if (seed >>> 0 !== seed || seed === 0) {
      throw new RangeError(`xorshift32 seed must be a non-zero uint32, got ${seed}`);
    }
    this.state = seed;
  }

  /** One step; returns the new state (the "draw"). */
  next(): number {
    this.state = xorshift32(this.state);
    return this.state;
  }

  /** A draw reduced to 0..n−1 (`draw % n`, as the workloads write it). */
  below(n: number): number {
    return umod(this.next(), n);
  }
}
