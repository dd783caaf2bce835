/**
 * G4 pyperformance gc_traversal (WORKLOADS.md): 1,000 nested lists, list n holding n
 * references to list n − 1 (499,500 references), built once. One loop = full collection,
 * then the timed full collection (returns 0). A run is 50 loops; seconds per loop.
 * CPython side: python/g4_gc_traversal.py.
 *
 * pyheap: lists of @pyheap/objects (`rt.list.new(items)`, an exact allocation as
 * `[current] * n`) on an ObjectHeap over pymalloc with the GenerationalCollector at its
 * defaults; `gc.collect()` is @pyheap/gc's. The lists are built in setup for every run and
 * freed by reference counting in teardown (dropping the outermost list), after which the heap
 * must be back at its baseline. Only the second collection of each loop is on the clock.
 */
import type { Bench, Mode, Workload } from '../bench.js';
import { runtimeVariant, type BenchEnv } from '../env.js';
import {
  baseline,
  expectBaseline,
  expectCount,
  memoryOf,
  once,
  type Baseline,
  type RuntimeWorld,
} from '../pyheap-world.js';
import { checkPython, expectEq } from './python-checks.js';

export interface G4Params {
  readonly levels: number;
  readonly loops: number;
}
export const G4_FULL: G4Params = { levels: 1000, loops: 50 };
export const G4_QUICK: G4Params = { levels: 1000, loops: 10 };
const paramsFor = (mode: Mode): G4Params => (mode === 'quick' ? G4_QUICK : G4_FULL);
const GROUP = 'G4 pyperformance gc_traversal';

interface G4State {
  readonly base: Baseline;
  readonly root: number;
  /** References the nested lists hold (walked after the build). */
  readonly references: number;
  /** Largest count a timed collection returned. */
  maxCollected: number;
}

/** current = []; for n in range(levels): current = [current] * n. Returns it (new reference). */
export function buildNested(w: RuntimeWorld, levels: number): number {
  const { rt, heap } = w;
  let current = rt.list.new();
  for (let n = 0; n < levels; n++) {
    if (current === 0) throw new Error('G4: out of memory');
    const next = rt.list.new(new Array<number>(n).fill(current));
    heap.decref(current);
    current = next;
  }
  if (current === 0) throw new Error('G4: out of memory');
  return current;
}

/** Sum of the lengths along list → list[0] → … (the Python script's count). */
export function countReferences(w: RuntimeWorld, root: number): number {
  let refs = 0;
  for (let node = root; w.rt.list.len(node) > 0; node = w.rt.list.get(node, 0)) {
    refs += w.rt.list.len(node);
  }
  return refs;
}

/** One G4 bench; every timed collection must return `expectCollected` (0). */
export function g4Bench(
  makeWorld: () => RuntimeWorld,
  p: G4Params,
  mode: Mode,
  expectCollected = 0,
): Bench<G4State> {
  const world = once(makeWorld);
  const what = `G4 pyheap (${mode})`;
  const wantRefs = (p.levels * (p.levels - 1)) / 2;
  return {
    workload: 'G4',
    group: GROUP,
    variant: 'pyheap',
    unit: 's/loop',
    ops: p.loops,
    params: { levels: p.levels, loops: p.loops },
    note: 'generational collector on at its defaults; objects lists; warm heap',
    setup() {
      const w = world();
      w.gc.collect();
      const base = baseline(w);
      const root = buildNested(w, p.levels);
      const references = countReferences(w, root);
      expectCount(`${what}: references`, references, wantRefs);
      return { base, root, references, maxCollected: -1 };
    },
    timed(s, watch) {
      const gc = world().gc;
      for (let loop = 0; loop < p.loops; loop++) {
        gc.collect();
        watch.start();
        const collected = gc.collect();
        watch.stop();
        if (collected > s.maxCollected) s.maxCollected = collected;
      }
    },
    verify(s) {
      expectCount(`${what}: a timed collection's count`, s.maxCollected, expectCollected);
    },
    extra: (s) => ({ references: s.references, gcThreshold: world().gc.getThreshold() }),
    teardown(s) {
      const w = world();
      w.heap.decref(s.root);
      expectBaseline(w, s.base, what);
      return memoryOf(w);
    },
  };
}

export const G4: Workload<BenchEnv> = {
  id: 'G4',
  title: 'pyperformance gc_traversal',
  summary:
    '1,000 nested lists (~500,000 references), live; timed full collection returning 0, 50 loops per run. Seconds per loop.',
  reference: 'cpython',
  ...runtimeVariant('G4', (makeWorld, mode) => g4Bench(makeWorld, paramsFor(mode), mode) as Bench),
  python: {
    script: 'g4_gc_traversal.py',
    group: GROUP,
    args: ({ mode }) => {
      const p = paramsFor(mode);
      return ['--levels', String(p.levels), '--loops', String(p.loops)];
    },
    verify(result, { mode }) {
      const { levels } = paramsFor(mode);
      checkPython(
        result,
        'G4',
        (c) =>
          expectEq('collected', c.collected, 0) ??
          expectEq('references', c.references, (levels * (levels - 1)) / 2),
      );
    },
  },
};
