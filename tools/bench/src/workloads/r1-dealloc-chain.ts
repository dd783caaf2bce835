/**
 * R1 dealloc-chain (WORKLOADS.md): a singly linked chain of 1,000,000 1-slot containers held
 * only by its head. Timed: dropping the head, which frees the whole chain by reference
 * counting; must not overflow the JS stack and must free exactly 1,000,000 objects.
 * CPython side: python/r1_dealloc_chain.py.
 *
 * pyheap variants: a 1-slot GC type on an ObjectHeap over pymalloc; each link is tracked.
 * - `pyheap`: a GenerationalCollector attached (every object carries its 8-byte prefix and
 *   is unlinked from its generation list as it dies), automatic collection off as in the
 *   Python script, so that only reference counting frees;
 * - `pyheap-rc`: refcount only (no collector, tracking is a header bit).
 * The chain is built in setup (untimed) on a heap kept across runs; verify checks the
 * heap's deallocation count and that the allocator is back to its block count.
 *
 * No JS peer: dropping the head of a chain of JS objects is one store; V8 reclaims the chain
 * later, in its own collections, whose cost scales with what survives rather than with what
 * died — there is nothing synchronous to time that does the same work.
 */
import type { Bench, Mode, Workload } from '../bench.js';
import { objectVariant, type BenchEnv } from '../env.js';
import {
  baseline,
  expectBaseline,
  expectCount,
  freedSince,
  memoryOf,
  rcWorld,
  registerSlotsType,
  SLOT0_OFF,
  type Baseline,
  type RcWorld,
} from '../pyheap-world.js';
import { checkPython, expectEq } from './python-checks.js';

export interface R1Params {
  readonly n: number;
}
export const R1_FULL: R1Params = { n: 1_000_000 };
export const R1_QUICK: R1Params = { n: 100_000 };
const paramsFor = (mode: Mode): R1Params => (mode === 'quick' ? R1_QUICK : R1_FULL);

export const R1_VARIANTS = ['pyheap', 'pyheap-rc'] as const;
const GROUP = 'R1 dealloc-chain';

export const R1_NO_JS_PEER =
  'no honest JS peer: dropping a JS chain is one store and V8 frees it later, in collections whose cost follows the survivors';

interface R1State {
  readonly base: Baseline;
  head: number;
  freed: number;
}

/** Build a chain of `n` links (link k holds link k − 1); returns the head (a new reference). */
export function buildChain(w: RcWorld, linkType: number, n: number): number {
  const heap = w.heap;
  let head = 0;
  for (let i = 0; i < n; i++) {
    const link = heap.alloc(linkType);
    if (link === 0) throw new Error(`R1: out of memory at link ${i}`);
    if (head !== 0) heap.setSlot(link, SLOT0_OFF, head); // steals our reference to head
    heap.track(link);
    head = link;
  }
  return head;
}

/**
 * One R1 bench on a world made by `makeWorld` (once, at the first setup). `expectFreed` is
 * what verify demands (n; tests pass a wrong number to see verification fail).
 */
export function r1Bench(
  variant: string,
  makeWorld: () => RcWorld,
  p: R1Params,
  mode: Mode,
  expectFreed = p.n,
): Bench<R1State> {
  let world: RcWorld | null = null;
  let linkType = 0;
  return {
    workload: 'R1',
    group: GROUP,
    variant,
    unit: 's',
    ops: 1,
    params: { n: p.n, collector: variant === 'pyheap-rc' ? 'none' : 'generational (disabled)' },
    note:
      variant === 'pyheap-rc'
        ? 'refcount only; warm heap'
        : 'generational collector attached, links tracked, automatic collection off; warm heap',
    setup() {
      if (world === null) {
        world = makeWorld();
        linkType = registerSlotsType(world.heap, 'Link', 1);
        world.collector?.disable();
      }
      const base = baseline(world);
      return { base, head: buildChain(world, linkType, p.n), freed: 0 };
    },
    timed(s) {
      world!.heap.decref(s.head);
    },
    verify(s) {
      s.freed = freedSince(world!, s.base);
      expectCount(`R1 ${variant} (${mode}): objects freed`, s.freed, expectFreed);
      expectBaseline(world!, s.base, `R1 ${variant} (${mode})`);
    },
    teardown: () => memoryOf(world!),
  };
}

export const R1: Workload<BenchEnv> = {
  id: 'R1',
  title: 'dealloc-chain',
  summary:
    'Dropping the head of a 1,000,000-long chain frees it all by reference counting. Seconds.',
  reference: 'cpython',
  variants: (env) => [
    objectVariant('pyheap', ['pymalloc', 'refcount', 'generational'], env),
    objectVariant('pyheap-rc', ['pymalloc', 'refcount'], env),
    { name: 'v8-objects', available: false, reason: R1_NO_JS_PEER },
  ],
  benches(variant, env, { mode }) {
    if (variant !== 'pyheap' && variant !== 'pyheap-rc')
      throw new Error(`R1 has no variant '${variant}'`);
    const collector = variant === 'pyheap' ? {} : null;
    return [
      r1Bench(variant, () => rcWorld(env.objects, collector), paramsFor(mode), mode) as Bench,
    ];
  },
  python: {
    script: 'r1_dealloc_chain.py',
    group: GROUP,
    args: ({ mode }) => ['--n', String(paramsFor(mode).n)],
    verify(result, { mode }) {
      const { n } = paramsFor(mode);
      checkPython(result, 'R1', (c) => expectEq('freed', c.freed, n));
    },
  },
};
