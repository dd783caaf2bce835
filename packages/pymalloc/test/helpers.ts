import { LinearMemory, type LinearMemoryOpts } from '@pyheap/memory';
import {
  COUNT_IDX,
  FREEBLOCK_IDX,
  MAXNEXTOFFSET_IDX,
  NEXTOFFSET_IDX,
  POOL_SIZE,
  SZIDX_IDX,
  ARENAINDEX_IDX,
  createPymalloc,
  type Pymalloc,
} from '@pyheap/pymalloc';
import { expect } from 'vitest';

/** A release pymalloc over a fresh memory (first arena at 4096, after the null page). */
export function fresh(opts: LinearMemoryOpts = {}): Pymalloc {
  return createPymalloc({ memory: new LinearMemory(opts) });
}

/** A debug pymalloc over a fresh memory. */
export function freshDebug(opts: LinearMemoryOpts = {}): Pymalloc {
  return createPymalloc({ memory: new LinearMemory(opts), debug: true });
}

/** The code of the error `fn` throws, or 'no error'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : `non-pyheap error: ${String(e)}`;
  }
  return 'no error';
}

export function poolOf(p: number): number {
  return p - (p % POOL_SIZE);
}

/** The pool header of the pool holding `p`, read through layout.ts's _IDX constants. */
export function header(pm: Pymalloc, p: number) {
  const u32 = pm.memory.u32;
  const i = poolOf(p) >>> 2;
  return {
    count: u32[i + COUNT_IDX]!,
    freeblock: u32[i + FREEBLOCK_IDX]!,
    arenaindex: u32[i + ARENAINDEX_IDX]!,
    szidx: u32[i + SZIDX_IDX]!,
    nextoffset: u32[i + NEXTOFFSET_IDX]!,
    maxnextoffset: u32[i + MAXNEXTOFFSET_IDX]!,
  };
}

/** Fill `n` bytes at `p` with a pattern derived from `seed`. */
export function fill(pm: Pymalloc, p: number, n: number, seed: number): void {
  const u8 = pm.memory.u8;
  for (let i = 0; i < n; i++) u8[p + i] = (seed + i * 7) & 0xff;
}

/** Expect the pattern of `fill` at `p`. */
export function expectFilled(pm: Pymalloc, p: number, n: number, seed: number): void {
  const u8 = pm.memory.u8;
  for (let i = 0; i < n; i++) {
    if (u8[p + i] !== ((seed + i * 7) & 0xff)) {
      expect.fail(`byte ${i} of block ${p} is ${u8[p + i]}, expected ${(seed + i * 7) & 0xff}`);
    }
  }
}

/** The arena indices of usable_arenas, head first, with their nfreepools. */
export function usableArenas(pm: Pymalloc): Array<[number, number]> {
  const A = pm.arenas;
  const out: Array<[number, number]> = [];
  for (let a = A.usableArenas; a !== -1; a = A.nextarena[a]!) out.push([a, A.nfreepools[a]!]);
  return out;
}
