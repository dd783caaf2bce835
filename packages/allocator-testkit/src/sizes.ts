/**
 * Request sizes the kit draws from: the edges where allocators change behaviour.
 *
 *   0                      a unique minimal block (CPython's raw domain asks for 1 byte)
 *   1 … 16                 tiny
 *   8k − 1, 8k, 8k + 1     every small size-class boundary up to 512 (8-byte spacing covers
 *                          pymalloc's 8- and 16-byte class spacings)
 *   513                    the first request pymalloc hands to the raw domain
 *   4095 … 12288           around pages
 *   128 KiB ± 1, 200 000…  at and above glibc's (and RawAllocator's) mmap threshold
 */
import fc from 'fast-check';

/** Multiples of 8 up to 512 and their neighbours. */
export const CLASS_BOUNDARY_SIZES: readonly number[] = (() => {
  const out: number[] = [];
  for (let s = 8; s <= 512; s += 8) out.push(s - 1, s, s + 1);
  return out;
})();

export const PAGE_SIZES: readonly number[] = [4095, 4096, 4097, 8192, 12288];
export const LARGE_SIZES: readonly number[] = [131071, 131072, 131073, 200_000, 300_000];

/** One request size from the mix above. */
export function allocationSize(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }) },
    { weight: 8, arbitrary: fc.constantFrom(...CLASS_BOUNDARY_SIZES) },
    { weight: 1, arbitrary: fc.constant(513) },
    { weight: 2, arbitrary: fc.integer({ min: 514, max: 4094 }) },
    { weight: 2, arbitrary: fc.constantFrom(...PAGE_SIZES) },
    { weight: 1, arbitrary: fc.constantFrom(...LARGE_SIZES) },
  );
}

/**
 * A deterministic list of `n` sizes from the same mix (xorshift32, WORKLOADS.md's generator),
 * for the rows that are not property tests.
 */
export function sizeMix(n: number, seed = 0x9e3779b9): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const kind = x % 16;
    const r = x >>> 8;
    if (kind === 0) out.push(0);
    else if (kind < 4) out.push(1 + (r % 16));
    else if (kind < 11) out.push(CLASS_BOUNDARY_SIZES[r % CLASS_BOUNDARY_SIZES.length]!);
    else if (kind < 13) out.push(513 + (r % 3600));
    else if (kind < 15) out.push(PAGE_SIZES[r % PAGE_SIZES.length]!);
    else out.push(LARGE_SIZES[r % LARGE_SIZES.length]!);
  }
  return out;
}
