/**
 * G1 gc-full-live (WORKLOADS.md): N = 1,000,000 2-slot containers held by one root list,
 * slot k of node i → node j = draw % N (j + 1 when j == i), drawn node 0 slot 0, node 0
 * slot 1, …; automatic collection off while building; two untimed full collections; timed:
 * one full collection that must free 0 objects. Metric: total and ns per tracked object.
 * CPython side: python/g1_gc_full_live.py.
 *
 * pyheap: nodes are a 2-slot GC type, the root is a list of @pyheap/objects, all on an
 * ObjectHeap over pymalloc with the GenerationalCollector (3.13 profile; automatic collection
 * stays off, as in the Python script); `gc.collect()` is @pyheap/gc's. The graph is built in
 * setup for every run (the Python script builds it once; either way it has been through two
 * full collections before the timed one) and freed in teardown: drop the root (reference
 * counting frees the nodes nothing else points at), collect the cycles; N + 1 objects must
 * have been freed and the heap must be back at its baseline.
 */
import type { Bench, Mode, Workload } from '../bench.js';
import { runtimeVariant, type BenchEnv } from '../env.js';
import { SEED, umod } from '../prng.js';
import {
  baseline,
  expectBaseline,
  expectCount,
  freedSince,
  memoryOf,
  once,
  registerSlotsType,
  SLOT0_OFF,
  type Baseline,
  type RuntimeWorld,
} from '../pyheap-world.js';
import { checkPython, expectEq } from './python-checks.js';

export interface G1Params {
  readonly n: number;
}
export const G1_FULL: G1Params = { n: 1_000_000 };
export const G1_QUICK: G1Params = { n: 100_000 };
const paramsFor = (mode: Mode): G1Params => (mode === 'quick' ? G1_QUICK : G1_FULL);
const GROUP = 'G1 gc-full-live';

interface G1World {
  readonly w: RuntimeWorld;
  readonly nodeType: number;
}

interface G1State {
  readonly base: Baseline;
  readonly root: number;
  readonly tracked: number;
  collected: number;
  ms: number;
}

/**
 * The root list and its N nodes, edges drawn as WORKLOADS.md says. Returns the root (a new
 * reference) and the nodes (borrowed: the root holds them).
 */
export function buildG1(g: G1World, n: number): { root: number; nodes: Uint32Array } {
  const { heap, rt } = g.w;
  const nodes = new Uint32Array(n);
  const root = rt.list.new();
  if (root === 0) throw new Error('G1: out of memory');
  for (let i = 0; i < n; i++) {
    const node = heap.alloc(g.nodeType);
    if (node === 0 || !rt.list.append(root, node)) throw new Error('G1: out of memory');
    heap.track(node);
    heap.decref(node); // the root's reference is the one left
    nodes[i] = node;
  }
  let x = SEED;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      let j = umod(x, n);
      if (j === i) j = umod(j + 1, n);
      heap.incref(nodes[j]);
      heap.setSlot(nodes[i], SLOT0_OFF + 4 * k, nodes[j]);
    }
  }
  return { root, nodes };
}

/** One G1 bench; `expectCollected` is what the timed collection must return (0). */
export function g1Bench(
  makeWorld: () => RuntimeWorld,
  p: G1Params,
  mode: Mode,
  expectCollected = 0,
): Bench<G1State> {
  const world = once((): G1World => {
    const w = makeWorld();
    w.gc.disable();
    return { w, nodeType: registerSlotsType(w.heap, 'Node', 2) };
  });
  const what = `G1 pyheap (${mode})`;
  return {
    workload: 'G1',
    group: GROUP,
    variant: 'pyheap',
    unit: 's',
    ops: 1,
    params: { n: p.n, seed: SEED },
    note: 'generational collector (automatic collection off), root = list; graph built per run on a warm heap',
    setup() {
      const g = world();
      const { gc, collector } = g.w;
      gc.collect();
      const base = baseline(g.w);
      const { root } = buildG1(g, p.n);
      gc.collect();
      gc.collect();
      return { base, root, tracked: collector.getObjects().length, collected: -1, ms: 0 };
    },
    timed(s) {
      const t0 = performance.now();
      s.collected = world().w.gc.collect();
      s.ms = performance.now() - t0;
    },
    verify(s) {
      expectCount(`${what}: the timed collection's count`, s.collected, expectCollected);
    },
    extra: (s) => ({ tracked: s.tracked, nsPerObject: (s.ms * 1e6) / s.tracked }),
    teardown(s) {
      const { w } = world();
      w.heap.decref(s.root); // frees the nodes nothing points at, by reference counting
      w.gc.collect(); // and the cycles
      expectCount(`${what}: objects freed in all`, freedSince(w, s.base), p.n + 1);
      expectBaseline(w, s.base, what);
      return memoryOf(w);
    },
  };
}

export const G1: Workload<BenchEnv> = {
  id: 'G1',
  title: 'gc-full-live',
  summary:
    '1,000,000 live 2-slot containers in a random graph; one timed full collection freeing 0. Seconds (and ns per tracked object).',
  reference: 'cpython',
  ...runtimeVariant('G1', (makeWorld, mode) => g1Bench(makeWorld, paramsFor(mode), mode) as Bench),
  python: {
    script: 'g1_gc_full_live.py',
    group: GROUP,
    args: ({ mode }) => ['--n', String(paramsFor(mode).n)],
    verify(result) {
      checkPython(result, 'G1', (c) => expectEq('collected', c.collected, 0));
    },
  },
};
