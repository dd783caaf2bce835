/**
 * G5 gen0-churn (WORKLOADS.md): 5,000,000 iterations each making a 2-cycle of 1-slot
 * containers and dropping it (10,000,000 containers that die young), automatic collection on
 * at default thresholds. Timed: the whole loop. Also: time inside collections and the
 * collections per generation (the record's `extra`). CPython side: python/g5_gen0_churn.py.
 *
 * pyheap: a and b are objects of a 1-slot GC type on an ObjectHeap over pymalloc with the
 * GenerationalCollector, collections run inside the allocation that crosses threshold 0
 * (CPython ≤ 3.11's place). Two variants, because the default threshold 0 changed:
 * - `pyheap`: the collector's defaults, CPython 3.13's 2000/10/10;
 * - `pyheap-700`: 700/10/10, the default of CPython 3.11 and 3.12 (the comparison with 3.11).
 * Time in collections comes from gc.callbacks (start/stop), collections per generation from
 * gc.get_stats(), as on the Python side. After the loop an untimed full collection frees the
 * last young cycles; collected in all must be every object made, and the heap must be back at
 * its baseline.
 */
import type { Bench, Extra, Mode, Workload } from '../bench.js';
import { objectVariant, type BenchEnv } from '../env.js';
import {
  baseline,
  CollectionMeter,
  expectBaseline,
  expectCount,
  memoryOf,
  once,
  registerSlotsType,
  runtimeWorld,
  RUNTIME_PACKAGES,
  SLOT0_OFF,
  type Baseline,
  type RuntimeWorld,
} from '../pyheap-world.js';
import { checkPython, expectEq } from './python-checks.js';

export interface G5Params {
  readonly iterations: number;
}
export const G5_FULL: G5Params = { iterations: 5_000_000 };
export const G5_QUICK: G5Params = { iterations: 500_000 };
const paramsFor = (mode: Mode): G5Params => (mode === 'quick' ? G5_QUICK : G5_FULL);
const GROUP = 'G5 gen0-churn';

/** Variant → thresholds (undefined: the collector's default, 3.13's 2000/10/10). */
export const G5_VARIANTS: Readonly<Record<string, readonly [number, number, number] | undefined>> =
  {
    pyheap: undefined,
    'pyheap-700': [700, 10, 10],
  };

interface G5World {
  readonly w: RuntimeWorld;
  readonly cellType: number;
  readonly meter: CollectionMeter;
}

interface G5State {
  readonly base: Baseline;
  collections: number[];
  collected: number;
}

/** The loop: `iterations` × (a = [None]; b = [a]; a[0] = b; drop both). */
export function churn(g: G5World, iterations: number): void {
  const heap = g.w.heap;
  const cell = g.cellType;
  for (let i = 0; i < iterations; i++) {
    const a = heap.alloc(cell);
    if (a === 0) throw new Error('G5: out of memory');
    heap.track(a);
    const b = heap.alloc(cell);
    if (b === 0) throw new Error('G5: out of memory');
    heap.track(b);
    heap.incref(a);
    heap.setSlot(b, SLOT0_OFF, a); // b = [a]
    heap.setSlot(a, SLOT0_OFF, b); // a[0] = b: steals our b
    heap.decref(a); // only the cycle holds them now
  }
}

/** One G5 bench; `expectCollected` is what must be collected in all (2 · iterations). */
export function g5Bench(
  variant: string,
  makeWorld: () => RuntimeWorld,
  p: G5Params,
  mode: Mode,
  expectCollected = 2 * p.iterations,
): Bench<G5State> {
  const world = once((): G5World => {
    const w = makeWorld();
    return {
      w,
      cellType: registerSlotsType(w.heap, 'Cell', 1),
      meter: new CollectionMeter(w.collector),
    };
  });
  const what = `G5 ${variant} (${mode})`;
  const threshold = G5_VARIANTS[variant];
  return {
    workload: 'G5',
    group: GROUP,
    variant,
    unit: 's',
    ops: 1,
    params: { iterations: p.iterations },
    note: `generational collector on, thresholds ${threshold === undefined ? 'default (3.13: 2000/10/10)' : threshold.join('/')}, collections inside the allocation; warm heap`,
    setup() {
      const g = world();
      g.w.gc.enable();
      g.w.gc.collect();
      return { base: baseline(g.w), collections: [], collected: -1 };
    },
    timed() {
      const g = world();
      g.meter.begin();
      churn(g, p.iterations);
      g.meter.end();
    },
    verify(s) {
      const g = world();
      s.collections = g.meter.collections();
      g.w.gc.collect();
      s.collected = g.meter.collected();
      expectCount(`${what}: collected in all`, s.collected, expectCollected);
      expectBaseline(g.w, s.base, what);
    },
    extra(s): Extra {
      const g = world();
      return {
        gcSecondsMedian: g.meter.ms / 1000,
        collections: s.collections,
        gcThreshold: g.w.gc.getThreshold(),
      };
    },
    teardown: () => memoryOf(world().w),
  };
}

export const G5: Workload<BenchEnv> = {
  id: 'G5',
  title: 'gen0-churn',
  summary:
    '5,000,000 young 2-cycles made and dropped with automatic collection on. Seconds; time in collections; collections per generation.',
  reference: 'cpython',
  variants: (env) => Object.keys(G5_VARIANTS).map((v) => objectVariant(v, RUNTIME_PACKAGES, env)),
  benches(variant, env, { mode }) {
    if (!(variant in G5_VARIANTS)) throw new Error(`G5 has no variant '${variant}'`);
    const thresholds = G5_VARIANTS[variant];
    const opts = thresholds === undefined ? {} : { thresholds };
    return [
      g5Bench(variant, () => runtimeWorld(env.objects, opts), paramsFor(mode), mode) as Bench,
    ];
  },
  python: {
    script: 'g5_gen0_churn.py',
    group: GROUP,
    args: ({ mode }) => ['--iterations', String(paramsFor(mode).iterations)],
    verify(result, { mode }) {
      const want = 2 * paramsFor(mode).iterations;
      checkPython(result, 'G5', (c) => expectEq('collected', c.collected, want));
    },
  },
};
