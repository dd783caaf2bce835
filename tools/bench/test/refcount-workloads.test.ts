import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, type BenchEnv } from '../src/env.js';
import { rcWorld, registerSlotsType, SLOT0_OFF } from '../src/pyheap-world.js';
import { assertRecord } from '../src/record.js';
import { runBench } from '../src/runner.js';
import { buildChain, R1, r1Bench } from '../src/workloads/r1-dealloc-chain.js';
import {
  binaryTrees,
  R2,
  R2_PYHEAP,
  r2PyheapBench,
  type R2Params,
} from '../src/workloads/r2-binary-trees.js';
import { refcountTrees } from '../src/workloads/r2-refcount-trees.js';

const once = { runs: 1, warmups: 0, mode: 'quick' as const };
const TINY_R2: R2Params = { maxDepth: 6, minDepth: 4 };

let env: BenchEnv;
beforeAll(async () => {
  env = await loadEnv();
});

describe('object model loading', () => {
  it('finds every package the pyheap variants need', () => {
    expect([...env.objects.missing.entries()]).toEqual([]);
    expect(
      R1.variants(env)
        .filter((v) => v.available)
        .map((v) => v.name),
    ).toEqual(['pyheap', 'pyheap-rc']);
    expect(R2.variants(env).every((v) => v.available)).toBe(true);
  });

  it('says why R1 has no JS peer', () => {
    const v8 = R1.variants(env).find((v) => v.name === 'v8-objects')!;
    expect(v8.available).toBe(false);
    expect(v8.reason).toMatch(/no honest JS peer/);
  });
});

describe('R1 dealloc-chain (tiny)', () => {
  it('a chain holds each link once and only the head is ours', () => {
    const w = rcWorld(env.objects, null);
    const link = registerSlotsType(w.heap, 'Link', 1);
    const head = buildChain(w, link, 3);
    const second = w.heap.getSlot(head, SLOT0_OFF);
    const third = w.heap.getSlot(second, SLOT0_OFF);
    expect([w.heap.refcnt(head), w.heap.refcnt(second), w.heap.refcnt(third)]).toEqual([1, 1, 1]);
    expect(w.heap.getSlot(third, SLOT0_OFF)).toBe(0);
    w.heap.decref(head);
    expect(w.heap.stats().liveObjects).toBe(0);
  });

  for (const variant of ['pyheap', 'pyheap-rc']) {
    it(`${variant}: frees exactly n objects and the allocator is back at its blocks`, () => {
      const collector = variant === 'pyheap' ? {} : null;
      const r = runBench(
        r1Bench(variant, () => rcWorld(env.objects, collector), { n: 5000 }, 'quick'),
        { ...once, runs: 2 },
      );
      assertRecord(r);
      expect(r.variant).toBe(variant);
      expect(r.group).toBe('R1 dealloc-chain');
      expect(r.peakBytes).toBeGreaterThan(5000 * 16);
      expect(r.heldBytes).toBeLessThanOrEqual(r.peakBytes!);
    });
  }

  it('a wrong freed count fails verification', () => {
    const bench = r1Bench('pyheap-rc', () => rcWorld(env.objects, null), { n: 500 }, 'quick', 501);
    expect(() => runBench(bench, once)).toThrow(/objects freed is 500, expected 501/);
  });
});

describe('R2 binary-trees on pyheap (depth 6)', () => {
  const bytes: Record<string, number> = { pyheap: 24, 'pyheap-rc': 16, 'pyheap-tuples': 32 };
  for (const variant of Object.keys(R2_PYHEAP)) {
    it(`${variant}: check lines verify, the heap is back, objectBytes = ${bytes[variant]}`, () => {
      const r = runBench(
        r2PyheapBench(variant, () => R2_PYHEAP[variant].make(env), TINY_R2, 'quick'),
        { ...once, runs: 2 },
      );
      assertRecord(r);
      expect(r.extra?.objectBytes).toBe(bytes[variant]);
      if (variant === 'pyheap-rc') expect(r.extra?.collections).toBeUndefined();
      else {
        expect(r.extra?.gcThreshold).toEqual([2000, 10, 10]);
        expect(r.extra?.gcCollected).toBe(0);
      }
      expect(r.note).toMatch(/warm heap/);
    });
  }

  it('the refcount trees count their nodes and free them all', () => {
    const w = rcWorld(env.objects, {});
    const ops = refcountTrees(w.heap, registerSlotsType(w.heap, 'Node', 2), true);
    const blocks = w.allocator.stats().blocksInUse;
    const t = ops.make(5);
    expect(ops.check(t)).toBe(63);
    expect(w.heap.stats().liveObjects).toBe(63);
    expect(w.heap.isTracked(t)).toBe(true);
    ops.drop(t);
    expect(w.heap.stats().liveObjects).toBe(0);
    expect(w.allocator.stats().blocksInUse).toBe(blocks);
  });

  it('a node count off by one fails verification', () => {
    const w = rcWorld(env.objects, null);
    const ops = refcountTrees(w.heap, registerSlotsType(w.heap, 'Node', 2), false);
    const bench = r2PyheapBench(
      'pyheap-rc',
      () => ({ world: w, note: 'off by one', ops: { ...ops, check: (t) => ops.check(t) + 1 } }),
      TINY_R2,
      'quick',
    );
    expect(() => runBench(bench, once)).toThrow(/check lines differ/);
  });

  it('a tree that is never dropped fails the heap check', () => {
    const w = rcWorld(env.objects, null);
    const ops = refcountTrees(w.heap, registerSlotsType(w.heap, 'Node', 2), false);
    const leaky = { ...ops, drop: () => {} };
    expect(binaryTrees(ops, TINY_R2)).toHaveLength(4);
    const bench = r2PyheapBench(
      'pyheap-rc',
      () => ({ world: w, note: 'leaks', ops: leaky }),
      TINY_R2,
      'quick',
    );
    expect(() => runBench(bench, once)).toThrow(/objects and \d+ allocator blocks more/);
  });
});
