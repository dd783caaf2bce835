import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, type BenchEnv } from '../src/env.js';
import { SEED, umod, xorshift32 } from '../src/prng.js';
import {
  registerSlotsType,
  runtimeWorld,
  SLOT0_OFF,
  type RuntimeWorld,
} from '../src/pyheap-world.js';
import { assertRecord } from '../src/record.js';
import { runBench } from '../src/runner.js';
import { buildG1, G1, g1Bench } from '../src/workloads/g1-gc-full-live.js';
import { buildPairs, g2Bench } from '../src/workloads/g2-gc-garbage-cycles.js';
import { g3Bench, makeRing } from '../src/workloads/g3-gc-collect.js';
import { buildNested, countReferences, g4Bench } from '../src/workloads/g4-gc-traversal.js';
import { G5, g5Bench } from '../src/workloads/g5-gen0-churn.js';

const once = { runs: 1, warmups: 0, mode: 'quick' as const };

let env: BenchEnv;
beforeAll(async () => {
  env = await loadEnv();
});

const world = () => runtimeWorld(env.objects, {});
/** Live objects of a runtime beyond its immortal singletons. */
const liveBeyond = (w: RuntimeWorld, base: number): number => w.heap.stats().liveObjects - base;

describe('G1 gc-full-live (n = 3000)', () => {
  it('draws the edges in WORKLOADS.md order, j + 1 when j == i', () => {
    const w = world();
    const g = { w, nodeType: registerSlotsType(w.heap, 'Node', 2) };
    const base = w.heap.stats().liveObjects;
    const n = 3000;
    const { root, nodes } = buildG1(g, n);
    let x = SEED;
    const j = (i: number): number => {
      x = xorshift32(x);
      const d = umod(x, n);
      return d === i ? (d + 1) % n : d;
    };
    for (const i of [0, 1, 2]) {
      expect(w.heap.getSlot(nodes[i], SLOT0_OFF)).toBe(nodes[j(i)]);
      expect(w.heap.getSlot(nodes[i], SLOT0_OFF + 4)).toBe(nodes[j(i)]);
    }
    expect(w.rt.list.len(root)).toBe(n);
    // Every edge and the root's item are counted.
    let refs = 0;
    for (const node of nodes) refs += w.heap.refcnt(node);
    expect(refs).toBe(n + 2 * n);
    expect(liveBeyond(w, base)).toBe(n + 1);
    w.heap.decref(root);
    w.gc.collect();
    expect(liveBeyond(w, base)).toBe(0);
  });

  it('the timed full collection frees 0; teardown frees n + 1', () => {
    const r = runBench(g1Bench(world, { n: 3000 }, 'quick'), { ...once, runs: 2 });
    assertRecord(r);
    expect(r.group).toBe('G1 gc-full-live');
    expect(r.extra?.tracked).toBeGreaterThanOrEqual(3001);
    expect(r.extra?.nsPerObject).toBeGreaterThan(0);
    expect(G1.variants(env)).toEqual([{ name: 'pyheap', available: true }]);
  });

  it('a wrong collected count fails verification', () => {
    expect(() => runBench(g1Bench(world, { n: 300 }, 'quick', 1), once)).toThrow(
      /timed collection's count is 0, expected 1/,
    );
  });
});

describe('G2 gc-garbage-cycles (2000 pairs)', () => {
  it('pairs survive their list only through their cycle', () => {
    const w = world();
    const g = { w, cellType: registerSlotsType(w.heap, 'Cell', 1) };
    w.gc.disable();
    const base = w.heap.stats().liveObjects;
    w.heap.decref(buildPairs(g, 10));
    expect(liveBeyond(w, base)).toBe(20);
    expect(w.gc.collect()).toBe(20);
    expect(liveBeyond(w, base)).toBe(0);
  });

  it('collects and frees 2 · pairs', () => {
    const r = runBench(g2Bench(world, { pairs: 2000 }, 'quick'), { ...once, runs: 2 });
    assertRecord(r);
    expect(r.group).toBe('G2 gc-garbage-cycles');
  });

  it('a wrong collected count fails verification', () => {
    expect(() => runBench(g2Bench(world, { pairs: 200 }, 'quick', 401), once)).toThrow(
      /collected is 400, expected 401/,
    );
  });
});

describe('G3 gc_collect (5 rings of 21, 3 loops)', () => {
  it('a ring is linked both ways and is garbage once dropped', () => {
    const w = world();
    const g = { w, nodeType: registerSlotsType(w.heap, 'Node', 2) };
    const first = makeRing(g, 21);
    let node = first;
    for (let k = 0; k < 21; k++) {
      const next = w.heap.getSlot(node, SLOT0_OFF);
      expect(w.heap.getSlot(next, SLOT0_OFF + 4)).toBe(node);
      node = next;
    }
    expect(node).toBe(first);
    w.heap.decref(first);
    expect(w.gc.collect()).toBe(21);
  });

  it('times the second collection of each loop only', () => {
    const p = { cycles: 5, nodes: 21, loops: 3 };
    const r = runBench(g3Bench(world, p, 'quick'), once);
    assertRecord(r);
    expect(r.unit).toBe('s/loop');
    expect(r.extra?.minCollected).toBe(105);
  });

  it('too few collected fails verification', () => {
    const p = { cycles: 5, nodes: 21, loops: 2 };
    expect(() => runBench(g3Bench(world, p, 'quick', 106), once)).toThrow(
      /collected 105, expected at least 106/,
    );
  });
});

describe('G4 gc_traversal (50 levels, 2 loops)', () => {
  it('list n holds n references to list n − 1', () => {
    const w = world();
    const base = w.heap.stats().liveObjects;
    const root = buildNested(w, 50);
    expect(liveBeyond(w, base)).toBe(50);
    expect(w.rt.list.len(root)).toBe(49);
    expect(countReferences(w, root)).toBe(1225);
    const inner = w.rt.list.get(root, 0);
    expect(w.heap.refcnt(inner)).toBe(49);
    w.heap.decref(root);
    expect(liveBeyond(w, base)).toBe(0);
  });

  it('the timed collections return 0 and the lists are freed after', () => {
    const r = runBench(g4Bench(world, { levels: 50, loops: 2 }, 'quick'), { ...once, runs: 2 });
    assertRecord(r);
    expect(r.extra?.references).toBe(1225);
  });

  it('a wrong count fails verification', () => {
    expect(() => runBench(g4Bench(world, { levels: 20, loops: 1 }, 'quick', 1), once)).toThrow(
      /count is 0, expected 1/,
    );
  });
});

describe('G5 gen0-churn (20,000 iterations)', () => {
  for (const [variant, threshold] of [
    ['pyheap', [2000, 10, 10]],
    ['pyheap-700', [700, 10, 10]],
  ] as const) {
    it(`${variant}: collects every young cycle at thresholds ${threshold.join('/')}`, () => {
      const bench = G5.benches(variant, env, { mode: 'quick' })[0];
      expect(bench.params).toEqual({ iterations: 500_000 });
      const opts = variant === 'pyheap' ? {} : { thresholds: threshold };
      const r = runBench(
        g5Bench(variant, () => runtimeWorld(env.objects, opts), { iterations: 20_000 }, 'quick'),
        { ...once, runs: 2 },
      );
      assertRecord(r);
      expect(r.extra?.gcThreshold).toEqual(threshold);
      const collections = r.extra?.collections as number[];
      // 40,000 GC allocations, none freed by reference counting: one young collection per
      // threshold0 + 1 of them, give or take the last.
      expect(collections[0] + collections[1] + collections[2]).toBe(
        Math.floor(40_000 / (threshold[0] + 1)),
      );
      expect(r.extra?.gcSecondsMedian).toBeGreaterThan(0);
    });
  }

  it('a wrong total fails verification', () => {
    const bench = g5Bench('pyheap', world, { iterations: 1000 }, 'quick', 2001);
    expect(() => runBench(bench, once)).toThrow(/collected in all is 2000, expected 2001/);
  });
});
