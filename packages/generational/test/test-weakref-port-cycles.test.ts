/*
 * CPython's Lib/test/test_weakref.py, continued: weak references to cyclic garbage, and the
 * callback-order rules of spec b.6 / c.6 step 10 (see test-weakref-port.test.ts for the
 * stand-ins used and where the expected numbers come from).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { World } from './world.js';
import { instanceOf, klass, targetMakingRefsInDel } from './weakref-standins.js';

describe.each([false, true])('with refLayout = %s', (layout) => {
  beforeAll(() => {
    World.layout = layout;
  });

  describe('test_weakref ReferencesTestCase: cyclic garbage', () => {
    it('test_callback_in_cycle: the trash weakref to J is cleared, its callback (reading I.J) never runs', () => {
      // I = II(); I.J = J; I.wr = ref(J, I.acallback); del I, J, II; gc.collect().
      // I's cycle I → I.wr → bound method → I is made I → I (slot 2). CPython 3.13: 16.
      const w = new World();
      let called = 0;
      const J = klass(w);
      const II = klass(w);
      const I = instanceOf(w, II);
      w.set(I, 0, J);
      const wr = w.heap.newWeakref(J, () => {
        called++;
        void w.get(I, 0); // self.J
      });
      w.set(I, 1, wr);
      w.drop(wr);
      w.set(I, 2, I);
      w.drop(I, J, II);
      expect(w.collect()).toBe(4); // J, II, I, I.wr
      expect(called).toBe(0);
      expect(w.unraisable).toEqual([]);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_callback_reachable_one_way: c2.wr = ref(c1, c2.cb), c1 only reachable from c2 → no callback', () => {
      // CPython 3.13: 4 (c1, c2, c2.wr, the bound method c2.cb); ours has no method object.
      const w = new World();
      let called = 0;
      const c1 = w.new();
      const c2 = w.new();
      w.set(c2, 0, c2); // c2.me = c2
      w.set(c2, 1, c1); // c2.c1 = c1
      const wr = w.heap.newWeakref(c1, () => {
        called++;
        void [w.get(c2, 0), w.get(c2, 1), w.get(c2, 2)];
      });
      w.set(c2, 2, wr);
      w.drop(wr, c1, c2);
      expect(w.collect()).toBe(3);
      expect(called).toBe(0);
      expect(w.unraisable).toEqual([]);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_callback_different_classes: the same with c1, c2 of different (cyclic) classes', () => {
      // CPython 3.13: 17 (two classes with their dicts, mro tuples, functions…).
      const w = new World();
      let called = 0;
      const C = klass(w);
      const D = klass(w);
      const c1 = instanceOf(w, D);
      const c2 = instanceOf(w, C);
      w.set(c2, 0, c2);
      w.set(c2, 1, c1);
      const wr = w.heap.newWeakref(c1, () => {
        called++;
        void [w.get(c2, 0), w.get(c2, 1), w.get(c2, 2), w.get(C, 3)];
      });
      w.set(c2, 2, wr);
      w.drop(wr, c1, c2, C, D);
      expect(w.collect()).toBe(5); // c1, c2, c2.wr, C, D
      expect(called).toBe(0);
      expect(w.unraisable).toEqual([]);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_callback_in_cycle_resurrection: trash callbacks would resurrect but never run; the external one does', () => {
      // c1.c = c2; c2.c = c1; c1.wr = ref(c2, c1.acallback); c2.wr = ref(c1, c2.acallback)
      // where acallback does alist.append(self.c); wr = ref(C, C_went_away); del c1, c2, C.
      // Observed: alist == ['C went away'], wr() is None, the next collect finds nothing.
      // CPython 3.13 counts 14 (class machinery and bound methods included).
      const w = new World();
      const alist: (Addr | string)[] = [];
      const C = klass(w);
      const c1 = instanceOf(w, C);
      const c2 = instanceOf(w, C);
      w.set(c1, 1, c2);
      w.set(c2, 1, c1);
      const acallback = (self: Addr) => (): void => {
        const other = w.get(self, 1);
        w.heap.incref(other); // alist.append(self.c): a resurrection
        alist.push(other);
      };
      const wr1 = w.heap.newWeakref(c2, acallback(c1));
      w.set(c1, 2, wr1);
      const wr2 = w.heap.newWeakref(c1, acallback(c2));
      w.set(c2, 2, wr2);
      w.drop(wr1, wr2);
      const wr = w.heap.newWeakref(C, () => alist.push('C went away'));
      w.drop(c1, c2, C);
      expect(alist).toEqual([]); // del isn't enough to reclaim anything
      expect(w.collect()).toBe(5); // c1, c2, c1.wr, c2.wr, C — wr survives its callback
      expect(alist).toEqual(['C went away']);
      expect(w.heap.weakrefGet(wr)).toBe(0);
      alist.length = 0;
      expect(w.collect()).toBe(0);
      expect(alist).toEqual([]);
      expect(w.live()).toBe(1); // wr
      w.drop(wr);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_callbacks_on_callback: only the external weakref to the trash callback object gets its callback', () => {
      // callback = c.cb (a bound method: here an instance m with m.__self__ = c);
      // c.wr = ref(d, callback); d.wr = ref(callback, d.cb); external_wr = ref(callback,
      // safe_callback); del callback, c, d. The edge c.wr → callback is made c → m (slot 2).
      // Observed: ['safe_callback called'], external_wr() is None, the next collect → 0.
      // CPython 3.13 counts 6 (also d.cb's bound method).
      const w = new World();
      const alist: string[] = [];
      const c = w.new();
      const d = w.new();
      w.set(c, 0, d); // c.other = d
      w.set(d, 0, c); // d.other = c
      const callback = w.new();
      w.set(callback, 0, c); // __self__
      const cb = (): void => {
        alist.push('cb called');
      };
      const cwr = w.heap.newWeakref(d, cb); // c.wr = weakref.ref(d, callback)
      w.set(c, 1, cwr);
      w.set(c, 2, callback); // …and the weakref's reference to its callback
      const dwr = w.heap.newWeakref(callback, cb); // d.wr = weakref.ref(callback, d.cb)
      w.set(d, 1, dwr);
      w.drop(cwr, dwr);
      const externalWr = w.heap.newWeakref(callback, () => alist.push('safe_callback called'));
      expect(w.heap.weakrefGet(externalWr)).toBe(callback);
      w.drop(callback, c, d);
      expect(alist).toEqual([]);
      expect(w.collect()).toBe(5); // c, d, c.wr, d.wr, the method
      expect(alist).toEqual(['safe_callback called']);
      expect(w.heap.weakrefGet(externalWr)).toBe(0);
      alist.length = 0;
      expect(w.collect()).toBe(0);
      expect(alist).toEqual([]);
      w.drop(externalWr);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_gc_during_ref_creation: thresholds (1, 1, 1); the allocation of ref(referenced, callback) collects a and its ref', () => {
      // referenced = A(); a = A(); a.a = a; a.wr = ref(referenced); a = A();
      // weakref.ref(referenced, callback). Observed (with wa = ref(a, …) on the old a):
      // the old a is collected during the creation, getweakrefcount(referenced) 1 → 0.
      const w = new World({ enabled: true, thresholds: [1, 1, 1] });
      w.collect();
      const events: string[] = [];
      const callback = (): void => {
        events.push('cb');
      };
      const referenced = w.new();
      let a = w.new();
      w.set(a, 0, a);
      const awr = w.heap.newWeakref(referenced);
      w.set(a, 1, awr);
      w.drop(awr);
      const wa = w.heap.newWeakref(a, () => events.push('a gone'));
      const newA = w.new();
      w.drop(a);
      a = newA;
      expect(w.heap.weakrefCount(referenced)).toBe(1);
      expect(events).toEqual([]);
      const tmp = w.heap.newWeakref(referenced, callback);
      expect(events).toEqual(['a gone']);
      w.drop(tmp);
      expect(w.heap.weakrefCount(referenced)).toBe(0);
      expect(w.heap.weakrefGet(wa)).toBe(0);
      w.collector.disable();
      w.drop(a, referenced, wa);
      expect(events).toEqual(['a gone']);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_ref_created_during_del, cyclic: __del__ (from gc) makes refs; tp_clear then frees the object and runs the new callback', () => {
      // t = Target(); t.me = t; del t; gc.collect() → 1; ref_from_del() None; the callback of
      // the ref made in __del__ ran with None (3.12.1 and 3.13.0; 3.14.5+ clears it silently).
      const w = new World();
      const { Target, made } = targetMakingRefsInDel(w);
      const t = w.new(Target);
      w.set(t, 0, t);
      w.drop(t);
      expect(w.collect()).toBe(1);
      expect(w.heap.weakrefGet(made.refFromDel)).toBe(0);
      expect(w.heap.weakrefGet(made.refFromDel2)).toBe(0);
      expect(made.got).toEqual([['cb', 0]]);
      w.drop(made.refFromDel, made.refFromDel2);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_classes: ref(A, l.append) on a class that dies in gc → the callback got the ref, a() is None', () => {
      // CPython 3.13: gc.collect() → 6 (the class, its dict, mro tuple, …); ours: the class.
      const w = new World();
      const l: Addr[] = [];
      const A = klass(w);
      const a = w.heap.newWeakref(A, (r) => l.push(r));
      w.drop(A);
      expect(w.collect()).toBe(1);
      expect(w.heap.weakrefGet(a)).toBe(0);
      expect(l).toEqual([a]);
      w.drop(a);
      expect(w.live()).toBe(0);
      w.check();
    });
  });

  describe('callback order and weakrefs dying meanwhile (spec b.6, c.6 step 10; observed on 3.12.1 / 3.13.0)', () => {
    it('o.wr = ref(o, cb); del o → the weakref is still alive when o dies: cb runs, sees None', () => {
      const w = new World();
      const out: Addr[] = [];
      const o = w.new();
      const wr = w.heap.newWeakref(o, (r) => out.push(w.heap.weakrefGet(r)));
      w.set(o, 0, wr);
      w.drop(wr, o);
      expect(out).toEqual([0]);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('refcount death: the newest callback drops the other weakref; its callback still runs', () => {
      // observed: ['cb2', ('cb1', None)]
      const w = new World();
      const out: unknown[] = [];
      const o = w.new();
      let r1 = w.heap.newWeakref(o, (r) => out.push(['cb1', w.heap.weakrefGet(r)]));
      const r2 = w.heap.newWeakref(o, () => {
        out.push('cb2');
        w.drop(r1); // del r1
        r1 = 0;
      });
      w.drop(o);
      expect(out).toEqual(['cb2', ['cb1', 0]]);
      w.drop(r2);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('gc: the newest callback drops the other weakref; it still runs, then is freed and counted → 2', () => {
      // observed: gc.collect() → 2 (o, and r1 freed right after its callback), ['cb2', ('cb1', None)]
      const w = new World();
      const out: unknown[] = [];
      const o = w.new();
      w.set(o, 0, o);
      let r1 = w.heap.newWeakref(o, (r) => out.push(['cb1', w.heap.weakrefGet(r)]));
      const r2 = w.heap.newWeakref(o, () => {
        out.push('cb2');
        w.drop(r1);
        r1 = 0;
      });
      w.drop(o);
      expect(w.collect()).toBe(2);
      expect(out).toEqual(['cb2', ['cb1', 0]]);
      expect(w.live()).toBe(1); // r2
      w.drop(r2);
      w.check();
    });

    it('gc: callbacks of a 3-cycle run per object in collection-list order, newest first, after every ref is cleared', () => {
      // a, b, c = C(), C(), C(); a.n = b; b.n = c; c.n = a; two external refs each.
      // observed: 3, ['a2', 'a1', 'b2', 'b1', 'c2', 'c1'], every ref already None in each;
      // created in the order c, b, a instead: ['c2', 'c1', 'b2', 'b1', 'a2', 'a1'].
      for (const createdReversed of [false, true]) {
        const w = new World();
        const out: string[] = [];
        const sawLive: boolean[] = [];
        const [x, y, z] = [w.new(), w.new(), w.new()];
        const [a, b, c] = createdReversed ? [z, y, x] : [x, y, z];
        w.set(a, 0, b);
        w.set(b, 0, c);
        w.set(c, 0, a);
        const refs: Addr[] = [];
        for (const [name, o] of [
          ['a', a],
          ['b', b],
          ['c', c],
        ] as const) {
          for (const k of [1, 2]) {
            refs.push(
              w.heap.newWeakref(o, () => {
                out.push(`${name}${k}`);
                sawLive.push(refs.some((r) => w.heap.weakrefGet(r) !== 0));
              }),
            );
          }
        }
        w.drop(a, b, c);
        expect(w.collect()).toBe(3);
        expect(out).toEqual(
          createdReversed
            ? ['c2', 'c1', 'b2', 'b1', 'a2', 'a1']
            : ['a2', 'a1', 'b2', 'b1', 'c2', 'c1'],
        );
        expect(sawLive).toEqual([false, false, false, false, false, false]);
        w.drop(...refs);
        expect(w.live()).toBe(0);
        w.check();
      }
    });

    it('gc: the callback runs before __del__, and __del__ sees the weakref already dead', () => {
      // observed: 1, [('cb', None), ('del', None)]
      const w = new World();
      const out: unknown[] = [];
      let wr = 0;
      const D = w.cls('D', { del: () => out.push(['del', w.heap.weakrefGet(wr)]) });
      const d = w.new(D);
      w.set(d, 0, d);
      wr = w.heap.newWeakref(d, (r) => out.push(['cb', w.heap.weakrefGet(r)]));
      w.drop(d);
      expect(w.collect()).toBe(1);
      expect(out).toEqual([
        ['cb', 0],
        ['del', 0],
      ]);
      w.drop(wr);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('gc: an object hanging off a cycle is trash too: its callback runs in handle_weakrefs, after the cycle’s', () => {
      // a = C(); a.me = a; a.x = C(); wx = ref(a.x, …); wa = ref(a, …); del a
      // observed: 2, ['a gone', 'x gone']
      const w = new World();
      const out: string[] = [];
      const a = w.new();
      w.set(a, 0, a);
      const x = w.new();
      w.set(a, 1, x);
      w.drop(x);
      const wx = w.heap.newWeakref(x, () => out.push('x gone'));
      const wa = w.heap.newWeakref(a, () => out.push('a gone'));
      w.drop(a);
      expect(w.collect()).toBe(2);
      expect(out).toEqual(['a gone', 'x gone']);
      w.drop(wx, wa);
      expect(w.live()).toBe(0);
      w.check();
    });
  });
});
