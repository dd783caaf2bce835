/*
 * Property: on random object graphs with cycles, after random external references are dropped
 * and a full collection runs, exactly the objects unreachable from the remaining external
 * references are gone (an oracle computes reachability in plain JS); nothing reachable is
 * touched; every finalizer ran at most once, and exactly once for each object that died; the
 * collector's, heap's and allocator's check() pass after every step; and once everything is
 * dropped and collected the allocator is back at its baseline.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { World } from './world.js';

const SLOTS = 4;

type Op =
  | { kind: 'drop'; node: number }
  | { kind: 'link'; from: number; slot: number; to: number }
  | { kind: 'unlink'; from: number; slot: number }
  | { kind: 'collect'; generation: number }
  /** Make and drop `count` unrelated garbage cycles: allocations that may trigger collections. */
  | { kind: 'churn'; count: number };

interface Scenario {
  /** Per node: has a finalizer. */
  finalizers: boolean[];
  /** Initial edges: node, slot → target (−1 = none). */
  edges: number[][];
  ops: Op[];
  thresholds: [number, number, number];
  automatic: boolean;
}

const scenario = fc.integer({ min: 1, max: 24 }).chain((n) => {
  const node = fc.integer({ min: 0, max: n - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: node.map((i): Op => ({ kind: 'drop', node: i })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(node, fc.integer({ min: 0, max: SLOTS - 1 }), node)
        .map(([from, slot, to]): Op => ({ kind: 'link', from, slot, to })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(node, fc.integer({ min: 0, max: SLOTS - 1 }))
        .map(([from, slot]): Op => ({ kind: 'unlink', from, slot })),
    },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: 0, max: 2 })
        .map((generation): Op => ({ kind: 'collect', generation })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 12 }).map((count): Op => ({ kind: 'churn', count })),
    },
  );
  return fc.record({
    finalizers: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    edges: fc.array(
      fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: SLOTS, maxLength: SLOTS }),
      {
        minLength: n,
        maxLength: n,
      },
    ),
    ops: fc.array(op, { maxLength: 40 }),
    thresholds: fc.tuple(
      fc.integer({ min: -1, max: 8 }),
      fc.integer({ min: -1, max: 4 }),
      fc.integer({ min: -1, max: 4 }),
    ),
    automatic: fc.boolean(),
  });
});

function run(s: Scenario): void {
  const w = new World({ enabled: s.automatic, thresholds: s.thresholds });
  const heap = w.heap;
  w.allocator.trim();
  const baseBlocks = w.allocator.stats().blocksInUse;
  const baseFootprint = w.allocator.stats().footprint;

  const n = s.edges.length;
  const finalized = new Map<Addr, number>();
  const Fin = w.cls('Fin', { del: (self) => finalized.set(self, (finalized.get(self) ?? 0) + 1) });
  const Plain = w.cls('Plain');

  // Model: which nodes are alive, which are held from JS, and the edges.
  const addr: Addr[] = [];
  const external: boolean[] = [];
  const alive: boolean[] = [];
  const edges: number[][] = s.edges.map((e) => e.slice());
  for (let i = 0; i < n; i++) {
    addr.push(w.new(s.finalizers[i] ? Fin : Plain));
    external.push(true);
    alive.push(true);
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < SLOTS; k++) if (edges[i][k] >= 0) w.set(addr[i], k, addr[edges[i][k]]);
  }

  const reachable = (): boolean[] => {
    const seen = external.map((e, i) => e && alive[i]);
    const stack = seen.flatMap((r, i) => (r ? [i] : []));
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (const j of edges[i]) {
        if (j >= 0 && !seen[j]) {
          seen[j] = true;
          stack.push(j);
        }
      }
    }
    return seen;
  };

  /** Objects the model says are alive must be intact: refcount ≥ 1, same type, same slots. */
  const verify = (full: boolean): void => {
    const r = reachable();
    for (let i = 0; i < n; i++) {
      if (r[i]) {
        expect(alive[i]).toBe(true);
        expect(heap.typeId(addr[i])).toBe(s.finalizers[i] ? Fin : Plain);
        for (let k = 0; k < SLOTS; k++)
          expect(w.get(addr[i], k)).toBe(edges[i][k] >= 0 ? addr[edges[i][k]] : 0);
        expect(finalized.get(addr[i]) ?? 0).toBe(0);
      }
    }
    if (full) {
      // After a full collection exactly the reachable objects are left.
      expect(w.live()).toBe(r.filter(Boolean).length);
      for (let i = 0; i < n; i++) {
        if (!r[i] && alive[i]) {
          alive[i] = false;
          if (s.finalizers[i]) expect(finalized.get(addr[i])).toBe(1);
        }
      }
    }
    for (const count of finalized.values()) expect(count).toBe(1);
    w.check();
  };

  for (const op of s.ops) {
    switch (op.kind) {
      case 'drop':
        if (external[op.node] && alive[op.node]) {
          external[op.node] = false;
          // Objects freed by refcount alone: the model learns it at the next full collection.
          w.drop(addr[op.node]);
        }
        break;
      case 'link':
      case 'unlink': {
        const r = reachable();
        const to = op.kind === 'link' ? op.to : -1;
        // Only mutate objects the program can still reach (as a program would).
        if (!r[op.from] || (to >= 0 && !r[to])) break;
        edges[op.from][op.slot] = to;
        w.set(addr[op.from], op.slot, to >= 0 ? addr[to] : 0);
        break;
      }
      case 'churn':
        for (let k = 0; k < op.count; k++) {
          const a = w.emptyList(1);
          const b = w.list(a);
          w.set(a, 0, b);
          w.drop(a, b);
        }
        break;
      case 'collect':
        w.collect(op.generation);
        verify(op.generation === 2);
        continue;
    }
    verify(false);
  }

  // Drop everything, collect, and the allocator is back where it started.
  for (let i = 0; i < n; i++) {
    if (external[i] && alive[i]) {
      external[i] = false;
      w.drop(addr[i]);
    }
  }
  w.collect();
  verify(true);
  expect(w.live()).toBe(0);
  expect(w.collector.getObjects()).toEqual([]);
  w.allocator.trim();
  expect(w.allocator.stats().blocksInUse).toBe(baseBlocks);
  expect(w.allocator.stats().footprint).toBe(baseFootprint);
}

describe.each([false, true])('with refLayout = %s', (layout) => {
  beforeAll(() => {
    World.layout = layout;
  });

  describe('property: the collector frees exactly the unreachable objects', () => {
    it('random graphs with cycles, drops, relinks and collections of every generation', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          run(s);
        }),
        { numRuns: 300 },
      );
    });
  });
});
