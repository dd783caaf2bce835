/*
 * CPython's Lib/test/test_gc.py, second half: weakrefs in cycles, collector state and
 * introspection, and GCCallbackTests (see test-gc-port.test.ts for the first half and the list
 * of tests that cannot be expressed here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEBUG_SAVEALL,
  isPyheapError,
  type Addr,
  type CollectInfo,
  type CollectPhase,
} from '@pyheap/interface';
import { World } from './world.js';

describe.each([false, true])('with refLayout = %s', (layout) => {
  beforeAll(() => {
    World.layout = layout;
  });

  describe('test_gc: weakrefs in cycles', () => {
    it('test_bug1055820b: callbacks on cyclic trash run, and see their referents already dead', () => {
      const w = new World();
      let ouch: Addr[] = [];
      const Cs = [w.new(), w.new()];
      for (const c of Cs) w.set(c, 0, c);
      const WRs: Addr[] = [];
      const callback = (): void => {
        ouch = WRs.map((wr) => w.heap.weakrefGet(wr));
      };
      for (const c of Cs) WRs.push(w.heap.newWeakref(c, callback));
      w.collect();
      expect(ouch.length).toBe(0);
      w.drop(...Cs);
      expect(w.collect()).toBe(2);
      expect(ouch).toEqual([0, 0]);
      w.drop(...WRs);
      expect(w.live()).toBe(0);
    });

    it('c.7: a cycle holding its own weakref with a callback → the weakref is trash too, callback not called', () => {
      const w = new World();
      let called = 0;
      const a = w.new();
      w.set(a, 0, a);
      const wr = w.heap.newWeakref(a, () => called++);
      w.set(a, 1, wr);
      w.drop(wr, a);
      expect(w.collect()).toBe(2); // CPython: 3 (its lambda is an object too)
      expect(called).toBe(0);
      expect(w.live()).toBe(0);
    });

    it('a weakref freed right after its callback ran is counted (handle_weakrefs num_freed)', () => {
      const w = new World();
      const a = w.new();
      w.set(a, 0, a);
      const holder = w.emptyList(1);
      let seen = -1;
      // The callback drops the last outside reference to its weakref: only gc's own remains.
      const wr = w.heap.newWeakref(a, (ref) => {
        seen = w.heap.weakrefGet(ref);
        w.set(holder, 0, 0);
      });
      w.set(holder, 0, wr);
      w.drop(wr, a);
      expect(w.collect()).toBe(2); // the instance + the weakref freed after its callback
      expect(seen).toBe(0);
      w.drop(holder);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('a weakref that survives its callback moves to the older generation', () => {
      const w = new World();
      const a = w.new();
      w.set(a, 0, a);
      let calls = 0;
      const wr = w.heap.newWeakref(a, () => calls++);
      w.drop(a);
      expect(w.collect(0)).toBe(1);
      expect(calls).toBe(1);
      expect(w.collector.getObjects(1)).toContain(wr);
      expect(w.heap.weakrefGet(wr)).toBe(0);
      w.drop(wr);
      expect(w.live()).toBe(0);
    });

    it('test_trash_weakref_clear (bpo-38006): a trash weakref to an object only reachable through a non-GC container is cleared first', () => {
      const w = new World();
      let called = 0;
      //   Z <- Y <- A --+--> WZ -> callback;  Y does not traverse (a non-GC container)
      const a = w.new();
      w.set(a, 0, a);
      const z = w.new();
      const y = w.heap.alloc(w.Opaque);
      w.heap.incref(z);
      w.heap.setSlot(y, 8, z);
      w.drop(z);
      w.set(a, 1, y);
      w.drop(y);
      const wz = w.heap.newWeakref(z, () => called++);
      w.set(a, 2, wz);
      // A second cycle keeps WZ alive longer.
      const wrCycle = w.list(wz, 0);
      w.set(wrCycle, 1, wrCycle);
      w.drop(wz);
      w.collect();
      w.drop(a, wrCycle);
      w.collect();
      expect(called).toBe(0);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_bug1055820c: a callback on an old-generation object reached by an automatic collection', () => {
      const w = new World(); // the default thresholds, as the Python test
      const c0 = w.new();
      w.set(c0, 0, c0);
      w.collect(); // c0 to generation 2
      const c1 = w.new();
      w.set(c1, 0, c1);
      w.set(c1, 1, c0); // c1.keep_c0_alive = c0
      w.set(c0, 0, 0); // del c0.loop
      const c2 = w.new();
      w.set(c2, 0, c2);
      const c2wr = w.heap.newWeakref(c2);
      let ouch: Addr[] = [];
      const c0wr = w.heap.newWeakref(c0, () => {
        ouch = [w.heap.weakrefGet(c2wr)];
      });
      w.drop(c0, c1, c2);
      // GC_Detector: cyclic trash with a weakref callback that notices the collection.
      let happened = false;
      const det = w.new();
      w.set(det, 0, det);
      const detWr = w.heap.newWeakref(det, () => (happened = true));
      w.drop(det);
      w.collector.enable();
      const junk: Addr[] = [];
      let i = 0;
      while (!happened) {
        if (++i > 10000) throw new Error("gc didn't happen after 10000 iterations");
        expect(ouch.length).toBe(0);
        junk.push(w.list());
      }
      w.collector.disable();
      expect(ouch).toEqual([0]);
      w.drop(...junk, c2wr, c0wr, detWr);
      w.collect();
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_bug1055820d: the same with __del__ instead of a callback', () => {
      const w = new World({ thresholds: [1000, 0, 0] }); // 3.13's @gc_threshold(1000, 0, 0)
      let ouch: Addr[] = [];
      let c2wr = 0;
      const D = w.cls('D', { del: () => (ouch = [w.heap.weakrefGet(c2wr)]) });
      const d0 = w.new(D);
      w.set(d0, 0, d0);
      w.collect();
      const c1 = w.new();
      w.set(c1, 0, c1);
      w.set(c1, 1, d0);
      w.set(d0, 0, 0);
      const c2 = w.new();
      w.set(c2, 0, c2);
      c2wr = w.heap.newWeakref(c2);
      w.drop(d0, c1, c2);
      let happened = false;
      const det = w.new();
      w.set(det, 0, det);
      const detWr = w.heap.newWeakref(det, () => (happened = true));
      w.drop(det);
      w.collector.enable();
      const junk: Addr[] = [];
      let i = 0;
      while (!happened) {
        if (++i > 10000) throw new Error("gc didn't happen after 10000 iterations");
        expect(ouch.length).toBe(0);
        junk.push(w.list());
      }
      w.collector.disable();
      expect(ouch).toEqual([0]);
      w.drop(...junk, c2wr, detWr);
      w.collect();
      expect(w.live()).toBe(0);
    });
  });

  describe('test_gc: state and introspection', () => {
    it('test_saveall: DEBUG_SAVEALL puts the cycle in gc.garbage (still counted as collected)', () => {
      const w = new World();
      w.collect();
      expect(w.collector.garbage).toEqual([]);
      const L = w.emptyList(1);
      w.set(L, 0, L);
      w.collector.setDebug(DEBUG_SAVEALL);
      w.drop(L);
      expect(w.collect()).toBe(1);
      w.collector.setDebug(0);
      expect(w.collector.garbage).toEqual([L]);
      expect(w.heap.isTracked(L)).toBe(true);
      expect(w.collector.getObjects(2)).toContain(L);
      const obj = w.collector.garbage.pop()!;
      w.set(obj, 0, 0);
      w.drop(obj);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_get_count / c.3: count0 counts GC allocations minus deallocations', () => {
      const w = new World();
      w.collect();
      const [a, b, c] = w.collector.getCount();
      const x = w.list();
      const [d, e, f] = w.collector.getCount();
      expect([a, b, c]).toEqual([0, 0, 0]);
      expect([d, e, f]).toEqual([1, 0, 0]);
      const untracked = w.dict(); // allocated, never tracked: still counted
      expect(w.collector.getCount()[0]).toBe(2);
      w.heap.alloc(w.Int); // non-GC: not counted
      expect(w.collector.getCount()[0]).toBe(2);
      w.drop(x, untracked);
      expect(w.collector.getCount()[0]).toBe(0);
      w.drop(w.list()); // +1 −1
      expect(w.collector.getCount()[0]).toBe(0);
    });

    it('test_collect_generations: an object trickles into older generations', () => {
      const w = new World();
      w.collect();
      const x = w.list();
      w.collect(0);
      expect(w.collector.getCount()).toEqual([0, 1, 0]);
      expect(w.collector.getObjects(1)).toEqual([x]);
      w.collect(1);
      expect(w.collector.getCount()).toEqual([0, 0, 1]);
      expect(w.collector.getObjects(2)).toEqual([x]);
      w.collect(2);
      expect(w.collector.getCount()).toEqual([0, 0, 0]);
      expect(w.collector.getObjects(2)).toEqual([x]);
    });

    it('test_get_objects: a list moves generation by generation', () => {
      const w = new World();
      w.collect();
      const l = w.emptyList(1);
      w.set(l, 0, l);
      const where = (): boolean[] => [0, 1, 2].map((g) => w.collector.getObjects(g).includes(l));
      expect(where()).toEqual([true, false, false]);
      w.collect(0);
      expect(where()).toEqual([false, true, false]);
      w.collect(1);
      expect(where()).toEqual([false, false, true]);
      w.collect(2);
      expect(where()).toEqual([false, false, true]);
      expect(w.collector.getObjects(-1)).toEqual([l]);
      expect(w.collector.getObjects()).toEqual([l]);
      w.drop(l);
      expect(w.collect()).toBe(1);
    });

    it('get_stats: collected and uncollectable totals go to the generation collected', () => {
      const w = new World();
      const U = w.cls('U', { tpDel: () => {} });
      const u = w.new(U);
      w.set(u, 0, u);
      const l = w.emptyList(1);
      w.set(l, 0, l);
      w.drop(u, l);
      expect(w.collector.collect(1)).toEqual({ generation: 1, collected: 1, uncollectable: 1 });
      expect(w.collector.getStats()).toEqual([
        { collections: 0, collected: 0, uncollectable: 0 },
        { collections: 1, collected: 1, uncollectable: 1 },
        { collections: 0, collected: 0, uncollectable: 0 },
      ]);
      const g = w.collector.garbage.pop()!;
      w.set(g, 0, 0);
      w.drop(g);
      expect(w.live()).toBe(0);
    });

    it('test_get_stats: collections counted for the generation collected only', () => {
      const w = new World();
      const old = w.collector.getStats();
      expect(old).toEqual(
        [0, 1, 2].map(() => ({ collections: 0, collected: 0, uncollectable: 0 })),
      );
      w.collect(0);
      let now = w.collector.getStats();
      expect(now.map((s) => s.collections)).toEqual([1, 0, 0]);
      w.collect(2);
      now = w.collector.getStats();
      expect(now.map((s) => s.collections)).toEqual([1, 0, 1]);
    });

    it('test_freeze: frozen objects are never examined; unfreeze moves them to generation 2', () => {
      const w = new World();
      const l = w.emptyList(1);
      w.set(l, 0, l);
      w.list(); // allocation bumps count0
      w.collector.freeze();
      expect(w.collector.getFreezeCount()).toBe(2);
      expect(w.collector.getCount()).toEqual([0, 0, 0]);
      expect(w.collector.getObjects()).toEqual([]);
      w.drop(l);
      expect(w.collect()).toBe(0); // frozen: not examined
      w.collector.unfreeze();
      expect(w.collector.getFreezeCount()).toBe(0);
      expect(w.collector.getObjects(2).length).toBe(2);
      expect(w.collect()).toBe(1);
    });

    it('freeze moves generations 0, 1, 2 in that order; unfreeze appends them to generation 2', () => {
      const w = new World();
      const a = w.list();
      w.collect(1); // a: generation 2
      const b = w.list();
      w.collect(0); // b: generation 1
      const c = w.list(); // generation 0
      w.collector.freeze();
      expect(w.collector.getFreezeCount()).toBe(3);
      const d = w.list();
      w.collect(1); // d: generation 2, ahead of what unfreeze brings back
      w.collector.unfreeze();
      expect(w.collector.getObjects(2)).toEqual([d, c, b, a]);
      w.drop(a, b, c, d);
    });

    it('references from frozen objects act as external references', () => {
      const w = new World();
      const frozen = w.emptyList(1);
      w.collector.freeze();
      const young = w.emptyList(1);
      w.set(young, 0, young);
      w.set(frozen, 0, young);
      w.drop(young);
      expect(w.collect()).toBe(0);
      expect(w.heap.refcnt(young)).toBe(2);
      w.set(frozen, 0, 0);
      expect(w.collect()).toBe(1);
    });

    it('test_is_tracked: GC objects tracked, non-GC never; tuples untracked by collect(0), dicts by collect(2) only', () => {
      const w = new World();
      const one = w.int(1);
      expect(w.heap.isTracked(one)).toBe(false);
      expect(w.collector.isTracked(one)).toBe(false);
      expect(w.collector.isTracked(w.list())).toBe(true);
      expect(w.collector.isTracked(w.new())).toBe(true);
      const neverTracked = w.heap.alloc(w.Instance); // like UserClassSlots(): GC type, not tracked
      expect(w.collector.isTracked(neverTracked)).toBe(false);

      const a = w.int(2);
      const b = w.int(3);
      const t = w.tuple(a, b);
      expect(w.collector.isTracked(t)).toBe(true);
      w.collect(0);
      expect(w.collector.isTracked(t)).toBe(false);
      const lst = w.list();
      const t2 = w.tuple(lst);
      w.collect(0);
      expect(w.collector.isTracked(t2)).toBe(true);

      const k = w.int(4);
      const inner = w.list();
      const d = w.dict();
      w.dictSet(d, 0, k);
      w.dictSet(d, 1, inner);
      expect(w.collector.isTracked(d)).toBe(true);
      w.set(d, 1, 0); // del d['a'] — stays tracked
      w.collect(1);
      expect(w.collector.isTracked(d)).toBe(true);
      w.collect(2);
      expect(w.collector.isTracked(d)).toBe(false);
    });

    it('nested tuples: examined in list order, so an outer tuple listed first needs a second collection', () => {
      const w = new World();
      const x = w.int(1);
      // Inner first (the usual order): one collection untracks both.
      const inner = w.tuple(x);
      const outer = w.tuple(inner);
      w.collect(0);
      expect(w.collector.isTracked(inner)).toBe(false);
      expect(w.collector.isTracked(outer)).toBe(false);
      // Outer first (filled after creation, as the C API allows).
      const outer2 = w.heap.alloc(w.Tuple, 1);
      w.heap.track(outer2);
      const inner2 = w.tuple(x);
      w.set(outer2, 0, inner2);
      w.collect(0);
      expect(w.collector.isTracked(inner2)).toBe(false);
      expect(w.collector.isTracked(outer2)).toBe(true);
      w.collect(1);
      expect(w.collector.isTracked(outer2)).toBe(false);
      // A tuple with a NULL item (under construction) is never untracked.
      const partial = w.heap.alloc(w.Tuple, 1);
      w.heap.track(partial);
      w.collect(0);
      expect(w.collector.isTracked(partial)).toBe(true);
    });

    it('immortal objects found in a collected generation move to the permanent generation', () => {
      const w = new World();
      const l = w.list();
      w.heap.makeImmortal(l);
      expect(w.collector.getFreezeCount()).toBe(0);
      w.collect(0);
      expect(w.collector.getFreezeCount()).toBe(1);
      expect(w.collector.getObjects()).toEqual([]);
      expect(w.collector.isTracked(l)).toBe(true);
      w.check();
    });

    it('test_refcount_errors: a refcount too small is detected in debug mode', () => {
      const w = new World();
      const a = w.list();
      const b = w.list(a);
      const c = w.list(a);
      w.drop(a); // a is referenced by b and c: refcount 2
      w.heap.u32[a >>> 2] -= 1; // Py_DecRef through ctypes: too small for the references it has
      let err: unknown;
      try {
        w.collect();
      } catch (e) {
        err = e;
      }
      expect(isPyheapError(err, 'E_CORRUPT_HEAP')).toBe(true);
      expect((err as Error).message).toContain('refcount is too small');
      void b;
      void c;
    });
  });

  describe('test_gc: GCCallbackTests', () => {
    function recorder(w: World): { visit: [number, CollectPhase, CollectInfo][] } {
      const rec = { visit: [] as [number, CollectPhase, CollectInfo][] };
      w.collector.callbacks.push((phase, info) => rec.visit.push([1, phase, { ...info }]));
      w.collector.callbacks.push((phase, info) => rec.visit.push([2, phase, { ...info }]));
      return rec;
    }

    it('test_collect: each callback sees start and stop with exactly the three keys', () => {
      const w = new World();
      const rec = recorder(w);
      w.collect();
      expect(rec.visit.map((v) => v[0])).toEqual([1, 2, 1, 2]);
      expect(rec.visit.map((v) => v[1])).toEqual(['start', 'start', 'stop', 'stop']);
      for (const [, , info] of rec.visit)
        expect(Object.keys(info).sort()).toEqual(['collected', 'generation', 'uncollectable']);
    });

    it('test_collect_generation: info.generation is the generation collected', () => {
      const w = new World();
      const rec = recorder(w);
      w.collect(2);
      w.collect(0);
      expect(rec.visit.map((v) => v[2].generation)).toEqual([2, 2, 2, 2, 0, 0, 0, 0]);
    });

    it('test_collect_garbage: 2 Uncollectable pairs + C1055820 → collected 1, uncollectable 4; then cleaned by a callback', () => {
      const w = new World();
      const rec = recorder(w);
      const Uncollectable = w.cls('Uncollectable', { tpDel: () => {} });
      const isU = (o: Addr): boolean => w.heap.typeId(o) === Uncollectable;
      const make = (): void => {
        const x = w.new(Uncollectable);
        const y = w.new(Uncollectable);
        w.set(x, 0, y);
        w.set(y, 0, x);
        w.drop(x, y);
      };
      make();
      make();
      const c = w.new();
      w.set(c, 0, c);
      w.drop(c);
      w.collect();
      for (const [, phase, info] of rec.visit) {
        if (phase !== 'stop') continue;
        expect(info.collected).toBe(1);
        expect(info.uncollectable).toBe(4);
      }
      expect(w.collector.garbage.length).toBe(4);
      expect(w.collector.garbage.every(isU)).toBe(true);

      // cb2 with cleanup: take the Uncollectables out of gc.garbage and break their cycles.
      w.collector.callbacks.push((phase) => {
        if (phase !== 'stop') return;
        const g = w.collector.garbage;
        const uc = g.filter(isU);
        const rest = g.filter((o) => !isU(o));
        g.length = 0;
        g.push(...rest);
        for (const e of uc) w.set(e, 0, 0);
        w.drop(...uc);
      });
      rec.visit.length = 0;
      // gc.garbage[:] = []: drop the list's references; the pairs are trash again.
      w.drop(...w.collector.garbage.splice(0));
      w.collect();
      for (const [, phase, info] of rec.visit) {
        if (phase !== 'stop') continue;
        expect(info.collected).toBe(0);
        expect(info.uncollectable).toBe(4);
      }
      expect(w.collector.garbage.length).toBe(0);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('an exception from a callback is reported as unraisable and the others still run', () => {
      const w = new World();
      const seen: string[] = [];
      w.collector.callbacks.push(function bad() {
        throw new Error('cb failed');
      });
      w.collector.callbacks.push(() => {
        throw new Error('lambda failed');
      });
      w.collector.callbacks.push((phase) => seen.push(phase));
      expect(w.collect()).toBe(0);
      expect(seen).toEqual(['start', 'stop']);
      // PyErr_WriteUnraisable(cb): "Exception ignored in: <function bad at 0x…>", per phase.
      expect(w.unraisable.map((u) => [u.context, (u.error as Error).message])).toEqual([
        ['Exception ignored in: <function bad>', 'cb failed'],
        ['Exception ignored in: <function <lambda>>', 'lambda failed'],
        ['Exception ignored in: <function bad>', 'cb failed'],
        ['Exception ignored in: <function <lambda>>', 'lambda failed'],
      ]);
    });

    it('entries of gc.callbacks that are not callable: a TypeError per phase, reported; the collection ends normally', () => {
      // gc.callbacks.append(None); gc.callbacks.append(42): each call fails with
      // "'NoneType' object is not callable" / "'int' object is not callable", reported as
      // unraisable ("Exception ignored in: None"), and the cycle is still collected.
      const w = new World();
      const seen: string[] = [];
      const entries = w.collector.callbacks as unknown[];
      entries.push(null, undefined, 42);
      w.collector.callbacks.push((phase) => seen.push(phase));
      const l = w.emptyList(1);
      w.set(l, 0, l);
      w.drop(l);
      expect(w.collect()).toBe(1);
      expect(seen).toEqual(['start', 'stop']);
      expect(w.live()).toBe(0);
      const reports = w.unraisable.map((u) => [
        u.context,
        (u.error as { code?: string }).code,
        (u.error as Error).message,
      ]);
      const none = [
        'Exception ignored in: None',
        'E_TYPE_ERROR',
        "'NoneType' object is not callable",
      ];
      const int = ['Exception ignored in: 42', 'E_TYPE_ERROR', "'int' object is not callable"];
      expect(reports).toEqual([none, none, int, none, none, int]);
      w.check();
    });

    it('a scheduled collection that no generation qualifies for any more runs no callbacks (3.13)', () => {
      const w = new World({ schedule: 'safepoint', thresholds: [1, 10, 10], enabled: true });
      const phases: CollectPhase[] = [];
      w.collector.callbacks.push((phase) => phases.push(phase));
      const a = w.list();
      const b = w.list(); // count0 2 > 1: scheduled
      expect(w.collector.isScheduled()).toBe(true);
      w.collector.setThreshold(100);
      expect(w.collector.collectScheduled()).toBe(0);
      expect(phases).toEqual([]);
      expect(w.collector.getStats().map((s) => s.collections)).toEqual([0, 0, 0]);
      expect(w.collector.getCount()).toEqual([2, 0, 0]);
      w.drop(a, b);
    });

    it('a collect() from inside a collection returns 0 (f.13)', () => {
      const w = new World();
      const nested: number[] = [];
      const A = w.cls('A', { del: () => nested.push(w.collect()) });
      const a = w.new(A);
      w.set(a, 0, a);
      w.drop(a);
      expect(w.collect()).toBe(1);
      expect(nested).toEqual([0]);
    });
  });
});
