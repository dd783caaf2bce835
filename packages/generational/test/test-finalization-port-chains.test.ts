/*
 * CPython's Lib/test/test_finalization.py, second part: CycleChainFinalizationTest and
 * LegacyFinalizationTest, and legacy finalizers hanging off cycles (see test-finalization-port.test.ts
 * for how the Python classes map onto the world, and where the expected numbers come from).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { World } from './world.js';
import { Fin, LEFT, REF, RIGHT, type PyClass } from './finalization-classes.js';

describe.each([false, true])('with refLayout = %s', (layout) => {
  beforeAll(() => {
    World.layout = layout;
  });

  describe('CycleChainFinalizationTest (a ring: nodes[i].left = nodes[i-1], nodes[i-1].right = nodes[i])', () => {
    type Kind = 'S' | 'R' | 'X'; // SimpleChained, ChainedResurrector, SuicidalChained

    const classesOf = (f: Fin): Record<Kind, PyClass> => ({
      S: f.cls('SimpleChained', 'chained', 'none'),
      R: f.cls('ChainedResurrector', 'chained', 'resurrect'),
      X: f.cls('SuicidalChained', 'chained', 'breakChain'),
    });

    /** build_chain: nodes = [cls() for cls in classes]; nodes[i].chain(nodes[i-1]) for each i. */
    const buildChain = (f: Fin, kinds: readonly Kind[]): { list: Addr; nodes: Addr[] } => {
      const classes = classesOf(f);
      const nodes = kinds.map((k) => f.make(classes[k]));
      const list = f.w.list(...nodes); // the Python list `nodes`
      f.w.drop(...nodes);
      for (let i = 0; i < nodes.length; i++)
        f.chain(nodes[i], nodes[(i - 1 + nodes.length) % nodes.length]);
      return { list, nodes };
    };

    /** check_non_resurrecting_chain, with CPython's collect() results [body…, _cleanup, tearDown]. */
    const checkNonResurrectingChain = (kinds: readonly Kind[], collects: number[]): void => {
      const f = new Fin();
      const w = f.w;
      const N = kinds.length;
      const { list, nodes } = buildChain(f, kinds);
      const ids = [...nodes];
      const wrs = nodes.map((s) => w.heap.newWeakref(s));
      w.drop(list); // del nodes
      expect(w.live()).toBe(3 * N);
      f.collect();
      f.assertDelCalls(ids);
      expect(f.delCalls).toEqual(ids); // CPython: finalized in list order 0, 1, …, N-1
      f.assertSurvivors([]);
      expect(wrs.map((wr) => w.heap.weakrefGet(wr))).toEqual(new Array(N).fill(0));
      expect(w.live()).toBe(N); // every node and its id_ freed
      f.collect();
      f.assertDelCalls(ids);
      f.endTest();
      f.tearDown();
      expect(f.collects).toEqual(collects);
      f.checkCounters(N, 0);
      f.finish(...wrs);
    };

    /**
     * check_resurrecting_chain; `links` are the nodes' (left, right) as node indices (null =
     * None) after the first collection: resurrection is transitive, every node survives.
     */
    const checkResurrectingChain = (
      kinds: readonly Kind[],
      collects: number[],
      links: [number | null, number | null][],
    ): void => {
      const f = new Fin();
      const w = f.w;
      const N = kinds.length;
      const { list, nodes } = buildChain(f, kinds);
      const ids = [...nodes];
      const survivorIds = nodes.filter((_, i) => kinds[i] === 'R');
      const wrs = nodes.map((s) => w.heap.newWeakref(s));
      w.drop(list); // del nodes
      f.collect();
      f.assertDelCalls(ids);
      expect(f.delCalls).toEqual(ids); // list order
      f.assertSurvivors(survivorIds);
      // "XXX desirable?": all weakrefs were cleared before the finalizers ran.
      expect(wrs.map((wr) => w.heap.weakrefGet(wr))).toEqual(new Array(N).fill(0));
      expect(w.live()).toBe(3 * N); // every node (and id_) is alive
      const index = (a: Addr): number | null => (a === 0 ? null : nodes.indexOf(a));
      expect(nodes.map((n) => [index(w.get(n, LEFT)), index(w.get(n, RIGHT))])).toEqual(links);
      expect(nodes.every((n) => w.heap.isFinalized(n))).toBe(true);
      f.clearSurvivors();
      f.collect();
      f.assertDelCalls(ids);
      f.assertSurvivors([]);
      expect(w.live()).toBe(N);
      f.endTest();
      f.tearDown();
      expect(f.collects).toEqual(collects);
      f.checkCounters(N, 0);
      f.finish(...wrs);
    };

    it('test_homogenous: [SimpleChained] * 3 → 3', () => {
      checkNonResurrectingChain(['S', 'S', 'S'], [3, 0, 0, 0]);
    });

    it('test_homogenous_resurrect: [ChainedResurrector] * 3 → 0, then 3', () => {
      checkResurrectingChain(
        ['R', 'R', 'R'],
        [0, 3, 0, 0],
        [
          [2, 1],
          [0, 2],
          [1, 0],
        ],
      );
    });

    it('test_homogenous_suicidal: [SuicidalChained] * 3 → 0 (all freed during finalization)', () => {
      checkNonResurrectingChain(['X', 'X', 'X'], [0, 0, 0, 0]);
    });

    it('test_heterogenous_suicidal_one: [SuicidalChained, SimpleChained] * 2 → 0', () => {
      checkNonResurrectingChain(['X', 'S', 'X', 'S'], [0, 0, 0, 0]);
    });

    it('test_heterogenous_suicidal_two: [SuicidalChained] * 2 + [SimpleChained] * 2 → 4', () => {
      checkNonResurrectingChain(['X', 'X', 'S', 'S'], [4, 0, 0, 0]);
    });

    it('test_heterogenous_resurrect_one: [ChainedResurrector, SimpleChained] * 2 → 0, then 4', () => {
      checkResurrectingChain(
        ['R', 'S', 'R', 'S'],
        [0, 4, 0, 0],
        [
          [3, 1],
          [0, 2],
          [1, 3],
          [2, 0],
        ],
      );
    });

    it('test_heterogenous_resurrect_two: [ChainedResurrector, SimpleChained, SuicidalChained] * 2 → 0, then 6', () => {
      checkResurrectingChain(
        ['R', 'S', 'X', 'R', 'S', 'X'],
        [0, 6, 0, 0],
        [
          [5, 1],
          [0, 2],
          [null, null],
          [2, 4],
          [3, 5],
          [null, null],
        ],
      );
    });

    it('test_heterogenous_resurrect_three: [ChainedResurrector] * 2 + [SimpleChained] * 2 + [SuicidalChained] * 2 → 0, then 6', () => {
      checkResurrectingChain(
        ['R', 'R', 'S', 'S', 'X', 'X'],
        [0, 6, 0, 0],
        [
          [5, 1],
          [0, 2],
          [1, 3],
          [2, 4],
          [null, null],
          [null, null],
        ],
      );
    });
  });

  describe('LegacyFinalizationTest (with_tp_del: __del__ is tp_finalize, __tp_del__ is tp_del)', () => {
    it('test_legacy: Legacy dies by refcount → __del__ then __tp_del__, once each', () => {
      const f = new Fin();
      const w = f.w;
      const Legacy = f.cls('Legacy', 'simple', 'none', { legacy: true });
      const s = f.make(Legacy);
      const ids = [s];
      const wr = w.heap.newWeakref(s);
      w.drop(s); // del s
      expect(f.collect()).toBe(0);
      f.assertDelCalls(ids);
      f.assertTpDelCalls(ids);
      f.assertSurvivors([]);
      expect(w.heap.weakrefGet(wr)).toBe(0);
      expect(w.live()).toBe(1);
      expect(f.collect()).toBe(0);
      f.assertDelCalls(ids);
      f.assertTpDelCalls(ids);
      f.endTest();
      f.tearDown(true);
      expect(f.collects).toEqual([0, 0, 0, 0, 0]);
      f.checkCounters(1, 1);
      f.finish(wr);
    });

    it('test_legacy_resurrect: __tp_del__ resurrects at every death; __del__ ran only the first time', () => {
      const f = new Fin();
      const w = f.w;
      const LegacyResurrector = f.cls('LegacyResurrector', 'simple', 'resurrect', {
        legacy: true,
      });
      const s = f.make(LegacyResurrector);
      const ids = [s];
      const wr = w.heap.newWeakref(s);
      w.drop(s); // del s
      expect(f.collect()).toBe(0);
      f.assertDelCalls(ids);
      f.assertTpDelCalls(ids);
      f.assertSurvivors(ids);
      // weakrefs are cleared before tp_del is called.
      expect(w.heap.weakrefGet(wr)).toBe(0);
      expect([w.heap.isFinalized(s), w.heap.isTracked(s), w.heap.refcnt(s)]).toEqual([
        true,
        true,
        1,
      ]);
      f.clearSurvivors();
      expect(f.collect()).toBe(0);
      f.assertDelCalls(ids);
      f.assertTpDelCalls([...ids, ...ids]);
      f.assertSurvivors(ids);
      expect([w.heap.isFinalized(s), w.heap.isTracked(s), w.heap.refcnt(s)]).toEqual([
        true,
        true,
        1,
      ]);
      expect(w.live()).toBe(3);
      f.endTest(); // a third tp_del (cleaning: does not resurrect) → freed
      expect(w.heap.weakrefGet(wr)).toBe(0);
      f.tearDown(true);
      expect(f.collects).toEqual([0, 0, 0, 0, 0]);
      f.checkCounters(1, 3);
      f.finish(wr);
    });

    it('test_legacy_self_cycle: LegacySelfCycle → gc.garbage, no finalizer runs, wr alive; breaking the cycle frees it', () => {
      const f = new Fin();
      const w = f.w;
      const LegacySelfCycle = f.cls('LegacySelfCycle', 'selfCycle', 'none', { legacy: true });
      const s = f.make(LegacySelfCycle);
      const ids = [s];
      const wr = w.heap.newWeakref(s);
      w.drop(s); // del s
      const r = w.collector.collect();
      f.collects.push(r.collected + r.uncollectable);
      expect(r).toEqual({ generation: 2, collected: 0, uncollectable: 1 });
      f.assertDelCalls([]);
      f.assertTpDelCalls([]);
      f.assertSurvivors([]);
      f.assertGarbage(ids);
      expect(w.heap.weakrefGet(wr)).toBe(s);
      expect(w.heap.isFinalized(s)).toBe(false);
      expect(w.live()).toBe(3);
      // gc.garbage[0].ref = None
      w.set(w.collector.garbage[0], REF, 0);
      f.endTest(); // gc.garbage.clear(): s dies by refcount, both finalizers run (cleaning)
      f.assertGarbage([]);
      expect(w.heap.weakrefGet(wr)).toBe(0);
      f.tearDown(true);
      expect(f.collects).toEqual([1, 0, 0, 0]);
      f.checkCounters(1, 1);
      f.finish(wr);
    });
  });

  // Not in test_finalization.py: tp_finalize / tp_del objects next to (not inside) a cycle, as
  // observed on 3.12.1 and 3.13.0 (.scratch/fin/probe_legacy_tail.py, gc.callbacks for the
  // collected/uncollectable split).
  describe('beyond the Python test: legacy finalizers hanging off cycles', () => {
    const legacyWorld = () => {
      const w = new World();
      const log: string[] = [];
      const names = new Map<Addr, string>();
      const L = w.cls('L', {
        del: (self) => log.push(`del ${names.get(self)}`),
        tpDel: (self) => log.push(`tp_del ${names.get(self)}`),
      });
      const P = w.cls('P', { del: (self) => log.push(`del ${names.get(self)}`) });
      const make = (cls: number, name: string): Addr => {
        const o = w.new(cls);
        names.set(o, name);
        return o;
      };
      return { w, log, L, P, make };
    };

    it('a, b = A(), A(); a.o = b; b.o = a; a.x = L() → L dies in delete_garbage: 2 collected, 0 uncollectable', () => {
      const { w, log, L, make } = legacyWorld();
      const a = w.new();
      const b = w.new();
      w.set(a, 0, b);
      w.set(b, 0, a);
      const tail = make(L, 'tail');
      w.set(a, 1, tail);
      w.drop(a, b, tail);
      expect(w.collector.collect()).toEqual({ generation: 2, collected: 2, uncollectable: 0 });
      expect(log).toEqual(['del tail', 'tp_del tail']);
      expect(w.collector.garbage).toEqual([]);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('l.ref = l; p.ref = p; l.p = p (p has __del__) → both uncollectable, no finalizer runs, only l in gc.garbage', () => {
      const { w, log, L, P, make } = legacyWorld();
      const l = make(L, 'head');
      w.set(l, 0, l);
      const p = make(P, 'p');
      w.set(p, 0, p);
      w.set(l, 1, p);
      w.drop(l, p);
      expect(w.collector.collect()).toEqual({ generation: 2, collected: 0, uncollectable: 2 });
      expect(log).toEqual([]);
      expect(w.collector.garbage).toEqual([l]);
      expect(w.heap.isFinalized(p)).toBe(false);
      // gc.garbage[0].ref = None; gc.garbage[0].p.ref = None; gc.garbage.clear()
      w.set(l, 0, 0);
      w.set(p, 0, 0);
      w.drop(...w.collector.garbage.splice(0));
      expect(log).toEqual(['del head', 'tp_del head', 'del p']);
      expect(w.collect()).toBe(0);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('p.ref = p; p.l = L() → p finalized and collected; l dies when p is cleared: 1 collected, 0 uncollectable', () => {
      const { w, log, L, P, make } = legacyWorld();
      const p = make(P, 'p3');
      w.set(p, 0, p);
      const l = make(L, 'l3');
      w.set(p, 1, l);
      w.drop(p, l);
      expect(w.collector.collect()).toEqual({ generation: 2, collected: 1, uncollectable: 0 });
      expect(log).toEqual(['del p3', 'del l3', 'tp_del l3']);
      expect(w.collector.garbage).toEqual([]);
      expect(w.live()).toBe(0);
      w.check();
    });
  });
});
