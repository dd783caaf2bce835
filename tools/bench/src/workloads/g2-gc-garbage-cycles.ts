/**
 * G2 gc-garbage-cycles (WORKLOADS.md): 500,000 pairs a = [b], b = [a] of 1-slot containers,
 * built with automatic collection off, held by one list that is then dropped. Timed: one full
 * collection reporting 1,000,000 collected, freeing included.
 * CPython side: python/g2_gc_garbage_cycles.py.
 *
 * pyheap: a and b are objects of a 1-slot GC type (one block each; CPython's `[b]` is a list
 * object plus a separate item array), the holder is a list of @pyheap/objects, on an
 * ObjectHeap over pymalloc with the GenerationalCollector (automatic collection off). Verify:
 * the collection's count, the objects the heap freed during it, and the heap back at its baseline (every pair freed, the
 * allocator's block count as before the build).
 */
import type { Bench, Mode, Workload } from '../bench.js';
import { runtimeVariant, type BenchEnv } from '../env.js';
import {
  baseline,
  expectBaseline,
  expectCount,
  memoryOf,
  once,
  registerSlotsType,
  SLOT0_OFF,
  type Baseline,
  type RuntimeWorld,
} from '../pyheap-world.js';
import { checkPython, expectEq } from './python-checks.js';

export interface G2Params {
  readonly pairs: number;
}
export const G2_FULL: G2Params = { pairs: 500_000 };
export const G2_QUICK: G2Params = { pairs: 50_000 };
const paramsFor = (mode: Mode): G2Params => (mode === 'quick' ? G2_QUICK : G2_FULL);
const GROUP = 'G2 gc-garbage-cycles';

interface G2World {
  readonly w: RuntimeWorld;
  readonly cellType: number;
}

interface G2State {
  readonly base: Baseline;
  /** Heap deallocations before the timed collection. */
  readonly deallocated: number;
  collected: number;
}

/** a = [None]; b = [a]; a[0] = b; hold.append(a), `pairs` times; returns hold (new reference). */
export function buildPairs(g: G2World, pairs: number): number {
  const { heap, rt } = g.w;
  const hold = rt.list.new();
  if (hold === 0) throw new Error('G2: out of memory');
  for (let i = 0; i < pairs; i++) {
    const a = heap.alloc(g.cellType);
    if (a === 0) throw new Error('G2: out of memory');
    heap.track(a);
    const b = heap.alloc(g.cellType);
    if (b === 0) throw new Error('G2: out of memory');
    heap.track(b);
    heap.incref(a);
    heap.setSlot(b, SLOT0_OFF, a); // b = [a]
    heap.setSlot(a, SLOT0_OFF, b); // a[0] = b: steals our b
    if (!rt.list.append(hold, a)) throw new Error('G2: out of memory');
    heap.decref(a);
  }
  return hold;
}

/** One G2 bench; `expectCollected` is what the timed collection must report (2 · pairs). */
export function g2Bench(
  makeWorld: () => RuntimeWorld,
  p: G2Params,
  mode: Mode,
  expectCollected = 2 * p.pairs,
): Bench<G2State> {
  const world = once((): G2World => {
    const w = makeWorld();
    w.gc.disable();
    return { w, cellType: registerSlotsType(w.heap, 'Cell', 1) };
  });
  const what = `G2 pyheap (${mode})`;
  return {
    workload: 'G2',
    group: GROUP,
    variant: 'pyheap',
    unit: 's',
    ops: 1,
    params: { pairs: p.pairs },
    note: 'generational collector (automatic collection off), 1-slot GC objects; warm heap',
    setup() {
      const g = world();
      g.w.gc.collect();
      const base = baseline(g.w);
      g.w.heap.decref(buildPairs(g, p.pairs));
      return { base, deallocated: g.w.heap.stats().deallocated, collected: -1 };
    },
    timed(s) {
      s.collected = world().w.gc.collect();
    },
    verify(s) {
      const { w } = world();
      expectCount(`${what}: collected`, s.collected, expectCollected);
      expectCount(`${what}: freed`, w.heap.stats().deallocated - s.deallocated, expectCollected);
      expectBaseline(w, s.base, what);
    },
    teardown: () => memoryOf(world().w),
  };
}

export const G2: Workload<BenchEnv> = {
  id: 'G2',
  title: 'gc-garbage-cycles',
  summary: '500,000 garbage 2-cycles; one timed full collection that collects 1,000,000. Seconds.',
  reference: 'cpython',
  ...runtimeVariant('G2', (makeWorld, mode) => g2Bench(makeWorld, paramsFor(mode), mode) as Bench),
  python: {
    script: 'g2_gc_garbage_cycles.py',
    group: GROUP,
    args: ({ mode }) => ['--pairs', String(paramsFor(mode).pairs)],
    verify(result, { mode }) {
      const want = 2 * paramsFor(mode).pairs;
      checkPython(result, 'G2', (c) => expectEq('collected', c.collected, want));
    },
  },
};
