/**
 * G3 pyperformance gc_collect (WORKLOADS.md): 100 rings of 21 doubly linked nodes (next and
 * prev slots), built with automatic collection on at default thresholds. One loop = full
 * collection, build, drop, timed full collection (≥ 2,100 collected). A run is 50 loops;
 * seconds per loop. CPython side: python/g3_gc_collect.py.
 *
 * pyheap: nodes are a 2-slot GC type (next, prev), the rings are held by a list of
 * @pyheap/objects, on an ObjectHeap over pymalloc with the GenerationalCollector at its
 * defaults (3.13: 2000/10/10, automatic collection on); `gc.collect()` is @pyheap/gc's. Only
 * the second collection of each loop is on the clock (the runner's stopwatch). After the
 * run the heap must be back at its baseline.
 */
import type { Bench, Mode, Workload } from '../bench.js';
import { runtimeVariant, type BenchEnv } from '../env.js';
import {
  baseline,
  expectBaseline,
  memoryOf,
  once,
  registerSlotsType,
  SLOT0_OFF,
  type Baseline,
  type RuntimeWorld,
} from '../pyheap-world.js';
import { checkPython } from './python-checks.js';

export interface G3Params {
  readonly cycles: number;
  readonly nodes: number;
  readonly loops: number;
}
export const G3_FULL: G3Params = { cycles: 100, nodes: 21, loops: 50 };
export const G3_QUICK: G3Params = { cycles: 100, nodes: 21, loops: 10 };
const paramsFor = (mode: Mode): G3Params => (mode === 'quick' ? G3_QUICK : G3_FULL);
const GROUP = 'G3 pyperformance gc_collect';

const NEXT_OFF = SLOT0_OFF;
const PREV_OFF = SLOT0_OFF + 4;

interface G3World {
  readonly w: RuntimeWorld;
  readonly nodeType: number;
}

interface G3State {
  readonly base: Baseline;
  /** Fewest objects one timed collection collected. */
  minCollected: number;
}

/** A ring of `size` nodes linked both ways; returns its first node (a new reference). */
export function makeRing(g: G3World, size: number): number {
  const heap = g.w.heap;
  const first = heap.alloc(g.nodeType);
  if (first === 0) throw new Error('G3: out of memory');
  heap.track(first);
  let last = first; // borrowed from here on (its predecessor's next holds it)
  for (let k = 1; k < size; k++) {
    const node = heap.alloc(g.nodeType);
    if (node === 0) throw new Error('G3: out of memory');
    heap.track(node);
    heap.incref(last);
    heap.setSlot(node, PREV_OFF, last); // node.prev = last
    heap.setSlot(last, NEXT_OFF, node); // last.next = node: steals our node
    last = node;
  }
  heap.incref(first);
  heap.setSlot(last, NEXT_OFF, first); // last.next = first
  heap.incref(last);
  heap.setSlot(first, PREV_OFF, last); // first.prev = last
  return first;
}

/** One G3 bench; every timed collection must collect at least `least` (cycles · nodes). */
export function g3Bench(
  makeWorld: () => RuntimeWorld,
  p: G3Params,
  mode: Mode,
  least = p.cycles * p.nodes,
): Bench<G3State> {
  const world = once((): G3World => {
    const w = makeWorld();
    return { w, nodeType: registerSlotsType(w.heap, 'Node', 2) };
  });
  const what = `G3 pyheap (${mode})`;
  return {
    workload: 'G3',
    group: GROUP,
    variant: 'pyheap',
    unit: 's/loop',
    ops: p.loops,
    params: { cycles: p.cycles, nodes: p.nodes, loops: p.loops },
    note: 'generational collector on at its defaults; 2-slot GC nodes, rings held by a list; warm heap',
    setup() {
      const g = world();
      g.w.gc.enable();
      g.w.gc.collect();
      return { base: baseline(g.w), minCollected: Infinity };
    },
    timed(s, watch) {
      const g = world();
      const { gc, rt, heap } = g.w;
      for (let loop = 0; loop < p.loops; loop++) {
        gc.collect();
        const rings = rt.list.new();
        if (rings === 0) throw new Error('G3: out of memory');
        for (let c = 0; c < p.cycles; c++) {
          const ring = makeRing(g, p.nodes);
          if (!rt.list.append(rings, ring)) throw new Error('G3: out of memory');
          heap.decref(ring);
        }
        heap.decref(rings);
        watch.start();
        const collected = gc.collect();
        watch.stop();
        if (collected < s.minCollected) s.minCollected = collected;
      }
    },
    verify(s) {
      if (!(s.minCollected >= least)) {
        throw new Error(
          `${what}: a collection collected ${s.minCollected}, expected at least ${least}`,
        );
      }
      expectBaseline(world().w, s.base, what);
    },
    extra: (s) => ({
      minCollected: s.minCollected,
      gcThreshold: world().w.gc.getThreshold(),
    }),
    teardown: () => memoryOf(world().w),
  };
}

export const G3: Workload<BenchEnv> = {
  id: 'G3',
  title: 'pyperformance gc_collect',
  summary:
    '100 rings of 21 nodes built, dropped, collected; 50 loops per run. Seconds per loop (timed collections).',
  reference: 'cpython',
  ...runtimeVariant('G3', (makeWorld, mode) => g3Bench(makeWorld, paramsFor(mode), mode) as Bench),
  python: {
    script: 'g3_gc_collect.py',
    group: GROUP,
    args: ({ mode }) => {
      const p = paramsFor(mode);
      return ['--cycles', String(p.cycles), '--nodes', String(p.nodes), '--loops', String(p.loops)];
    },
    verify(result, { mode }) {
      const p = paramsFor(mode);
      const least = p.cycles * p.nodes;
      checkPython(result, 'G3', (c) =>
        typeof c.minCollected === 'number' && c.minCollected >= least
          ? null
          : `a collection freed ${String(c.minCollected)}, expected at least ${least}`,
      );
    },
  },
};
