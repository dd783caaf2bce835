/**
 * A2 size sweep (WORKLOADS.md): for each size class boundary s in {8, 16, 24, 32, 48, 64,
 * 128, 256, 512, 513, 4096, 65536}:
 * - LIFO: 1,000,000 × (malloc(s), free it at once): ns per pair;
 * - FIFO: 100,000 × malloc(s), then free them all in allocation order: ns per alloc+free, and
 *   the footprint after the frees (how much memory the allocator gave back).
 *
 * FIFO runs twice: on a fresh heap (a new allocator and memory every run, so every page is
 * touched for the first time, ~12–16 µs each on these VMs) and on a warm heap (one allocator
 * kept across the warm-up and the timed runs, so the timed runs reuse whatever it kept).
 *
 * 100,000 × 65536 bytes = 6.5 GB does not fit a 32-bit heap (default maximum 2 GiB): that
 * case runs 20,000 allocations (1.3 GB) and says so in its note.
 *
 * Verification: no malloc returned 0, the FIFO blocks were pairwise disjoint, no block is
 * left in use, and the heap's own check() passes.
 */
import type { Bench, ModeOpts, Workload } from '../bench.js';
import { createMemPool, factoryOf, OWN_ALLOCATORS, type AllocatorCatalog } from '../allocators.js';
import { allocatorVariants, type BenchEnv } from '../env.js';
import { allocatorHeap, memPoolHeap, type Heap, type HeapTarget } from '../heap-target.js';
import { checkDisjoint } from './a1-alloc-churn.js';

export const A2_SIZES = [8, 16, 24, 32, 48, 64, 128, 256, 512, 513, 4096, 65536] as const;

export interface A2Counts {
  readonly lifo: number;
  readonly fifo: number;
  /** FIFO count for 65536-byte blocks (what fits the 2 GiB heap). */
  readonly fifoLarge: number;
}

export const A2_FULL: A2Counts = { lifo: 1_000_000, fifo: 100_000, fifoLarge: 20_000 };
export const A2_QUICK: A2Counts = { lifo: 100_000, fifo: 10_000, fifoLarge: 2_000 };

export const A2_VARIANTS = [...OWN_ALLOCATORS, 'thi.ng-mempool', 'v8-uint8array'];

const SCALED: Readonly<Record<string, { div: number; note: string }>> = {
  'pymalloc-debug': { div: 10, note: 'debug mode' },
  'thi.ng-mempool': { div: 100, note: '@thi.ng/malloc MemPool' },
};

export type A2Order = 'lifo' | 'fifo';
export type A2HeapState = 'fresh' | 'warm';

export const A2_GROUPS: Readonly<Record<string, string>> = {
  lifo: 'A2 LIFO malloc/free pairs',
  'fifo-fresh': 'A2 FIFO fill then free — fresh heap',
  'fifo-warm': 'A2 FIFO fill then free — warm heap',
};

// ── hot loops ──────────────────────────────────────────────────────────────────────────

/** `count` × (malloc(size), free). Returns the xor of the addresses (keeps the work observable). */
export function lifoPairs(heap: HeapTarget, size: number, count: number): number {
  let acc = 0;
  for (let i = 0; i < count; i++) {
    const a = heap.malloc(size);
    if (a === 0) throw new Error(`A2: malloc(${size}) returned 0 at pair ${i}`);
    acc ^= a;
    heap.free(a);
  }
  return acc;
}

/** `addrs.length` × malloc(size), then free them in the same order. */
export function fifoFillFree(heap: HeapTarget, size: number, addrs: Uint32Array): void {
  const n = addrs.length;
  for (let i = 0; i < n; i++) {
    const a = heap.malloc(size);
    if (a === 0) throw new Error(`A2: malloc(${size}) returned 0 after ${i} blocks`);
    addrs[i] = a;
  }
  for (let i = 0; i < n; i++) heap.free(addrs[i]);
}

export function lifoUint8Array(hold: Uint8Array[], size: number, count: number): number {
  let acc = 0;
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(size);
    hold[0] = b;
    acc += b.length;
  }
  return acc;
}

export function fifoUint8Array(slots: (Uint8Array | null)[], size: number): void {
  const n = slots.length;
  for (let i = 0; i < n; i++) slots[i] = new Uint8Array(size);
  for (let i = 0; i < n; i++) slots[i] = null;
}

// ── benches ────────────────────────────────────────────────────────────────────────────

interface Case {
  readonly order: A2Order;
  readonly heapState: A2HeapState;
  readonly size: number;
  readonly count: number;
  readonly note?: string;
}

function casesOf(counts: A2Counts, variant: string): Case[] {
  const scale = SCALED[variant];
  const div = scale?.div ?? 1;
  const scaledNote = scale ? `${scale.note}, 1/${div} of the counts` : undefined;
  const out: Case[] = [];
  for (const size of A2_SIZES) {
    const count = Math.max(1, Math.floor(counts.lifo / div));
    out.push({ order: 'lifo', heapState: 'fresh', size, count, note: scaledNote });
  }
  const heapStates: A2HeapState[] = variant === 'v8-uint8array' ? ['fresh'] : ['fresh', 'warm'];
  for (const heapState of heapStates) {
    for (const size of A2_SIZES) {
      const large = size === 65536;
      const count = Math.max(1, Math.floor((large ? counts.fifoLarge : counts.fifo) / div));
      const largeNote = large
        ? `${fmt(count)} blocks, not ${fmt(Math.floor(counts.fifo / div))}: 100,000 × 64 KiB = 6.5 GB does not fit the 2 GiB heap, so full runs use ${fmt(A2_FULL.fifoLarge)}`
        : undefined;
      const note = [scaledNote, largeNote].filter(Boolean).join('; ') || undefined;
      out.push({ order: 'fifo', heapState, size, count, note });
    }
  }
  return out;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function groupOf(c: Case): string {
  return A2_GROUPS[c.order === 'lifo' ? 'lifo' : `fifo-${c.heapState}`];
}

interface HeapState {
  heap: Heap;
  addrs: Uint32Array;
  acc: number;
}

/** One A2 case on an address heap. `makeHeap` is called per run (fresh) or once (warm). */
export function heapA2Bench(variant: string, makeHeap: () => Heap, c: Case): Bench<HeapState> {
  let warmHeap: Heap | null = null;
  const heapForRun = (): Heap => {
    if (c.heapState === 'fresh') return makeHeap();
    return (warmHeap ??= makeHeap());
  };
  const what = `A2 ${c.order} ${c.heapState} s=${c.size} ${variant}`;
  return {
    workload: 'A2',
    group: groupOf(c),
    row: String(c.size),
    variant,
    label: what,
    unit: 'ns/pair',
    ops: c.count,
    params: { size: c.size, count: c.count, order: c.order, heap: c.heapState },
    note: c.note,
    setup() {
      const heap = heapForRun();
      const base = heap.probe.blocksInUse();
      if (base !== 0) throw new Error(`${what}: ${base} blocks in use before the run`);
      return { heap, addrs: new Uint32Array(c.order === 'fifo' ? c.count : 0), acc: 0 };
    },
    timed(s) {
      if (c.order === 'lifo') s.acc = lifoPairs(s.heap.target, c.size, c.count);
      else fifoFillFree(s.heap.target, c.size, s.addrs);
    },
    verify(s) {
      if (c.order === 'fifo') {
        checkDisjoint(s.addrs, new Uint32Array(c.count).fill(c.size), what);
      }
      const live = s.heap.probe.blocksInUse();
      if (live !== 0) throw new Error(`${what}: ${live} blocks still in use`);
      s.heap.probe.check();
    },
    teardown(s) {
      return { peakBytes: s.heap.probe.peakFootprint(), heldBytes: s.heap.probe.footprint() };
    },
  };
}

interface JsState {
  hold: (Uint8Array | null)[];
  acc: number;
}

function uint8A2Bench(c: Case): Bench<JsState> {
  const what = `A2 ${c.order} s=${c.size} v8-uint8array`;
  return {
    workload: 'A2',
    group: groupOf(c),
    row: String(c.size),
    variant: 'v8-uint8array',
    label: what,
    unit: 'ns/pair',
    ops: c.count,
    params: { size: c.size, count: c.count, order: c.order, heap: c.heapState },
    note: ['V8 baseline', c.note].filter(Boolean).join('; '),
    setup() {
      return { hold: new Array(c.order === 'fifo' ? c.count : 1).fill(null), acc: 0 };
    },
    timed(s) {
      if (c.order === 'lifo') s.acc = lifoUint8Array(s.hold as Uint8Array[], c.size, c.count);
      else fifoUint8Array(s.hold, c.size);
    },
    verify(s) {
      if (c.order === 'lifo') {
        if (s.acc !== c.size * c.count) throw new Error(`${what}: length sum ${s.acc}`);
        if (s.hold[0]?.length !== c.size)
          throw new Error(`${what}: last array has the wrong length`);
      } else if (s.hold.some((b) => b !== null)) {
        throw new Error(`${what}: an array was not dropped`);
      }
    },
    teardown(s) {
      s.hold.length = 0;
      return { peakBytes: null, heldBytes: null };
    },
  };
}

function makeHeapFactory(variant: string, env: AllocatorCatalog, c: Case): () => Heap {
  if (variant === 'thi.ng-mempool') {
    // Block = size + 8-byte header, 8-aligned; room for every FIFO block plus slack.
    const bytes = (c.order === 'fifo' ? c.count : 1) * (c.size + 16) + (1 << 20);
    return () => memPoolHeap(createMemPool(bytes));
  }
  const factory = factoryOf(env, variant);
  return () => allocatorHeap(factory.create());
}

export function a2Benches(variant: string, env: AllocatorCatalog, counts: A2Counts): Bench[] {
  return casesOf(counts, variant).map((c) =>
    variant === 'v8-uint8array'
      ? (uint8A2Bench(c) as Bench)
      : (heapA2Bench(variant, makeHeapFactory(variant, env, c), c) as Bench),
  );
}

export const A2: Workload<BenchEnv> = {
  id: 'A2',
  title: 'size sweep',
  summary:
    'Per size 8…65536: 1,000,000 LIFO malloc/free pairs; 100,000 mallocs then FIFO frees (fresh and warm heap). ns per pair; footprint after the frees.',
  reference: 'pymalloc',
  variants: (env) => allocatorVariants(A2_VARIANTS, env),
  benches(variant, env, mode: ModeOpts) {
    return a2Benches(variant, env.allocators, mode.mode === 'quick' ? A2_QUICK : A2_FULL);
  },
};
