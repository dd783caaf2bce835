/**
 * A1 alloc-churn (WORKLOADS.md): a window of 10,000 live blocks of 1 + (draw % 512) bytes;
 * then 5,000,000 times: slot = draw % 10000, free that slot's block, allocate a new block of
 * 1 + (draw % 512) bytes, write one 32-bit word at its start, store it in the slot. Timed: the
 * iterations. Reports ns per free+alloc pair and the peak footprint.
 *
 * The word written is the size draw `x` (one byte, its low byte, for blocks under 4 bytes:
 * a 32-bit store would overrun them, and pymalloc's debug mode rightly reports that).
 * Verification replays the PRNG without any heap and checks every slot's word, that the
 * 10,000 live blocks do not overlap, the heap's live block count and its own check(); after
 * freeing everything and trim() the footprint must be 0.
 */
import type { Bench, ModeOpts, Params, Workload } from '../bench.js';
import { createMemPool, factoryOf, OWN_ALLOCATORS, type AllocatorCatalog } from '../allocators.js';
import { allocatorVariants, type BenchEnv } from '../env.js';
import {
  allocatorHeap,
  formatMiB,
  memPoolHeap,
  v8HeapBytes,
  type Heap,
  type HeapTarget,
  type HeapViews,
} from '../heap-target.js';
import { SEED, umod, Xorshift32 } from '../prng.js';

export interface A1Params {
  /** Live blocks (10,000). */
  readonly window: number;
  /** Timed free+alloc pairs (5,000,000). */
  readonly iterations: number;
  /** Sizes are 1 + (draw % maxSize) (512). */
  readonly maxSize: number;
}

export const A1_FULL: A1Params = { window: 10_000, iterations: 5_000_000, maxSize: 512 };
export const A1_QUICK: A1Params = { window: 10_000, iterations: 200_000, maxSize: 512 };

/** Iterations divisor and label of the slow variants (per-pair ns stays comparable). */
const SCALED: Readonly<Record<string, { div: number; note: string }>> = {
  'pymalloc-debug': { div: 10, note: 'debug mode (guard bytes, use-after-free checks)' },
  'thi.ng-mempool': { div: 100, note: '@thi.ng/malloc MemPool (first-fit lists)' },
};

/** Table title: every run starts from a fresh heap (a new allocator and memory). */
export const A1_GROUP = 'A1 alloc-churn — fresh heap each run';

export const A1_VARIANTS = [...OWN_ALLOCATORS, 'thi.ng-mempool', 'v8-uint8array', 'v8-object'];

// ── the hot loops (one per kind of heap; each worker process runs one of them) ─────────────
// Reductions use umod (prng.ts): the values of `%` without V8's float modulus, which alone
// would add ~15 ns to every pair. With a do-nothing heap this loop costs ~15 ns per pair
// (CPU, this machine): the floor under every A1 number.

/**
 * The timed region on an address heap. Returns the final PRNG state. `slots` holds the
 * window's addresses. Views are re-read only when the memory replaced them.
 */
export function churnHeap(
  heap: HeapTarget,
  views: HeapViews,
  slots: Uint32Array,
  iterations: number,
  maxSize: number,
  seed: number,
): number {
  const window = slots.length;
  let u32 = views.u32;
  let u8 = views.u8;
  let generation = views.generation;
  let x = seed;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const slot = umod(x, window);
    heap.free(slots[slot]);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const size = 1 + umod(x, maxSize);
    const a = heap.malloc(size);
    if (a === 0) throw new Error(`A1: malloc(${size}) returned 0 at iteration ${i}`);
    if (views.generation !== generation) {
      u32 = views.u32;
      u8 = views.u8;
      generation = views.generation;
    }
    if (size >= 4) u32[a >>> 2] = x;
    else u8[a] = x;
    slots[slot] = a;
  }
  return x;
}

/** V8 baseline: `new Uint8Array(size)` held in a JS array; dropping it is the free. */
export function churnUint8Array(
  slots: Uint8Array[],
  iterations: number,
  maxSize: number,
  seed: number,
): number {
  const window = slots.length;
  let x = seed;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const slot = umod(x, window);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const size = 1 + umod(x, maxSize);
    const b = new Uint8Array(size);
    b[0] = x;
    if (size >= 4) {
      b[1] = x >>> 8;
      b[2] = x >>> 16;
      b[3] = x >>> 24;
    }
    slots[slot] = b;
  }
  return x;
}

export interface Pair {
  a: number;
  b: number;
}

/** V8 baseline: a plain `{a, b}` object (a = size, b = word) per slot. */
export function churnObjects(
  slots: Pair[],
  iterations: number,
  maxSize: number,
  seed: number,
): number {
  const window = slots.length;
  let x = seed;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const slot = umod(x, window);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    slots[slot] = { a: 1 + umod(x, maxSize), b: x };
  }
  return x;
}

// ── expected state, by replay ──────────────────────────────────────────────────────────

export interface A1Expected {
  /** Requested size of the block each slot holds at the end. */
  readonly sizes: Uint32Array;
  /** Word written into each slot's block. */
  readonly words: Uint32Array;
  /** PRNG state after the window and after the iterations. */
  readonly afterWindow: number;
  readonly final: number;
}

/** Replays the draws of the window and the iterations with no heap at all. */
export function replayA1(p: A1Params): A1Expected {
  const rng = new Xorshift32(SEED);
  const sizes = new Uint32Array(p.window);
  const words = new Uint32Array(p.window);
  for (let k = 0; k < p.window; k++) {
    const x = rng.next();
    sizes[k] = 1 + (x % p.maxSize);
    words[k] = x;
  }
  const afterWindow = rng.state;
  // Plain `%` here (the hot loops use umod): a disagreement would fail verification.
  for (let i = 0; i < p.iterations; i++) {
    const slot = rng.next() % p.window;
    const x = rng.next();
    sizes[slot] = 1 + (x % p.maxSize);
    words[slot] = x;
  }
  return { sizes, words, afterWindow, final: rng.state };
}

const expectedCache = new Map<string, A1Expected>();
function expectedFor(p: A1Params): A1Expected {
  const key = `${p.window}/${p.iterations}/${p.maxSize}`;
  let e = expectedCache.get(key);
  if (!e) expectedCache.set(key, (e = replayA1(p)));
  return e;
}

/** Throws unless the blocks [addr, addr + size) are disjoint and non-null. */
export function checkDisjoint(addrs: Uint32Array, sizes: Uint32Array, what: string): void {
  const order = Array.from(addrs.keys()).sort((i, j) => addrs[i] - addrs[j]);
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (addrs[i] === 0) throw new Error(`${what}: slot ${i} holds the null address`);
    if (k + 1 < order.length) {
      const j = order[k + 1];
      if (addrs[i] + sizes[i] > addrs[j]) {
        throw new Error(
          `${what}: blocks overlap: slot ${i} [${addrs[i]}, +${sizes[i]}) and slot ${j} at ${addrs[j]}`,
        );
      }
    }
  }
}

// ── benches ────────────────────────────────────────────────────────────────────────────

interface HeapState {
  heap: Heap;
  slots: Uint32Array;
  seedAfterWindow: number;
  final: number;
}

/** A1 on an address heap; `makeHeap` returns a fresh heap for every run. */
export function heapA1Bench(
  variant: string,
  makeHeap: () => Heap,
  p: A1Params,
  note?: string,
): Bench<HeapState> {
  const expected = expectedFor(p);
  return {
    workload: 'A1',
    group: A1_GROUP,
    variant,
    unit: 'ns/pair',
    ops: p.iterations,
    params: paramsOf(p),
    note,
    setup() {
      const heap = makeHeap();
      const slots = new Uint32Array(p.window);
      const rng = new Xorshift32(SEED);
      for (let k = 0; k < p.window; k++) {
        const x = rng.next();
        const size = 1 + (x % p.maxSize);
        const a = heap.target.malloc(size);
        if (a === 0) throw new Error(`A1 ${variant}: window malloc(${size}) returned 0`);
        const v = heap.views;
        if (size >= 4) v.u32[a >>> 2] = x;
        else v.u8[a] = x;
        slots[k] = a;
      }
      return { heap, slots, seedAfterWindow: rng.state, final: 0 };
    },
    timed(s) {
      s.final = churnHeap(
        s.heap.target,
        s.heap.views,
        s.slots,
        p.iterations,
        p.maxSize,
        s.seedAfterWindow,
      );
    },
    verify(s) {
      const what = `A1 ${variant}`;
      if (s.final !== expected.final) {
        throw new Error(`${what}: PRNG state ${s.final}, expected ${expected.final}`);
      }
      const { u8, u32 } = s.heap.views;
      for (let k = 0; k < p.window; k++) {
        const a = s.slots[k];
        const size = expected.sizes[k];
        const want = size >= 4 ? expected.words[k] : expected.words[k] & 0xff;
        const got = size >= 4 ? u32[a >>> 2] : u8[a];
        if (got !== want)
          throw new Error(`${what}: slot ${k} at ${a} holds ${got}, expected ${want}`);
      }
      checkDisjoint(s.slots, expected.sizes, what);
      const live = s.heap.probe.blocksInUse();
      if (live !== p.window)
        throw new Error(`${what}: ${live} blocks in use, expected ${p.window}`);
      s.heap.probe.check();
    },
    teardown(s) {
      for (let k = 0; k < p.window; k++) s.heap.target.free(s.slots[k]);
      const live = s.heap.probe.blocksInUse();
      if (live !== 0) throw new Error(`A1 ${variant}: ${live} blocks in use after freeing all`);
      const report = {
        peakBytes: s.heap.probe.peakFootprint(),
        heldBytes: s.heap.probe.footprint(),
      };
      s.heap.probe.trimToZero();
      return report;
    },
  };
}

interface JsState<T> {
  slots: T[];
  seedAfterWindow: number;
  final: number;
  heap0: number;
}

function jsBench<T>(
  variant: string,
  p: A1Params,
  make: (size: number, x: number) => T,
  churn: (slots: T[], iterations: number, maxSize: number, seed: number) => number,
  check: (value: T, size: number, word: number) => boolean,
): Bench<JsState<T>> {
  const expected = expectedFor(p);
  return {
    workload: 'A1',
    group: A1_GROUP,
    variant,
    unit: 'ns/pair',
    ops: p.iterations,
    params: paramsOf(p),
    note: 'V8 baseline: no footprint of ours',
    setup() {
      const heap0 = v8HeapBytes();
      const slots: T[] = [];
      const rng = new Xorshift32(SEED);
      for (let k = 0; k < p.window; k++) {
        const x = rng.next();
        slots.push(make(1 + (x % p.maxSize), x));
      }
      return { slots, seedAfterWindow: rng.state, final: 0, heap0 };
    },
    timed(s) {
      s.final = churn(s.slots, p.iterations, p.maxSize, s.seedAfterWindow);
    },
    verify(s) {
      if (s.final !== expected.final) {
        throw new Error(`A1 ${variant}: PRNG state ${s.final}, expected ${expected.final}`);
      }
      for (let k = 0; k < p.window; k++) {
        if (!check(s.slots[k], expected.sizes[k], expected.words[k])) {
          throw new Error(`A1 ${variant}: slot ${k} does not hold the expected block`);
        }
      }
    },
    teardown(s) {
      const after = v8HeapBytes() - s.heap0;
      (globalThis as { gc?: () => void }).gc?.();
      const live = v8HeapBytes() - s.heap0;
      s.slots.length = 0;
      return {
        peakBytes: null,
        heldBytes: null,
        note: `V8 heap Δ ${formatMiB(after)} after the run, ${formatMiB(live)} live after gc`,
      };
    },
  };
}

function paramsOf(p: A1Params): Params {
  return { ...p, seed: SEED, heap: 'fresh' };
}

export function scaledA1(p: A1Params, variant: string): { params: A1Params; note?: string } {
  const s = SCALED[variant];
  if (!s) return { params: p };
  const iterations = Math.max(1, Math.floor(p.iterations / s.div));
  return {
    params: { ...p, iterations },
    note: `${s.note}; 1/${s.div} of the iterations (${iterations.toLocaleString('en-US')})`,
  };
}

export function a1Bench(variant: string, env: AllocatorCatalog, p: A1Params): Bench {
  const { params, note } = scaledA1(p, variant);
  switch (variant) {
    case 'thi.ng-mempool':
      // 10,000 blocks of ≤ 512 bytes (+ 8-byte headers) and first-fit fragmentation: 32 MiB.
      return heapA1Bench(
        variant,
        () => memPoolHeap(createMemPool(32 << 20)),
        params,
        note,
      ) as Bench;
    case 'v8-uint8array':
      return jsBench<Uint8Array>(
        variant,
        params,
        (size, x) => {
          const b = new Uint8Array(size);
          b[0] = x;
          if (size >= 4) new DataView(b.buffer, b.byteOffset).setUint32(0, x, true);
          return b;
        },
        churnUint8Array,
        (b, size, x) =>
          b.length === size &&
          (size >= 4
            ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) === x
            : b[0] === (x & 0xff)),
      ) as Bench;
    case 'v8-object':
      return jsBench<Pair>(
        variant,
        params,
        (size, x) => ({ a: size, b: x }),
        churnObjects,
        (o, size, x) => o.a === size && o.b === x,
      ) as Bench;
    default: {
      const factory = factoryOf(env, variant);
      return heapA1Bench(variant, () => allocatorHeap(factory.create()), params, note) as Bench;
    }
  }
}

export const A1: Workload<BenchEnv> = {
  id: 'A1',
  title: 'alloc-churn',
  summary:
    '10,000 live blocks of 1..512 bytes; 5,000,000 × (free a random slot, malloc a new block, write a word). ns per free+alloc pair, peak footprint.',
  reference: 'pymalloc',
  variants: (env) => allocatorVariants(A1_VARIANTS, env),
  benches(variant, env, mode: ModeOpts) {
    return [a1Bench(variant, env.allocators, mode.mode === 'quick' ? A1_QUICK : A1_FULL)];
  },
};
