/*
 * CPython's Lib/test/test_weakref.py, continued: MappingTestCase's check_len_cycles and
 * FinalizeTestCase, over JS Maps that own references as the pure-Python mappings and the
 * finalize registry do (see test-weakref-port.test.ts for the stand-ins).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { World } from './world.js';
import { finalizeFactory } from './weakref-standins.js';

describe.each([false, true])('with refLayout = %s', (layout) => {
  beforeAll(() => {
    World.layout = layout;
  });

  describe('test_weakref MappingTestCase: check_len_cycles', () => {
    it('test_weak_keyed_len_cycles: 20 RefCycle keys → gc.collect() 40 (keys + keyrefs freed after their callbacks), len 0', () => {
      // Observed on 3.12/3.13: len 20, gc.collect() → 40, len 0.
      const w = new World();
      const N = 20;
      const data = new Map<Addr, Addr>(); // keyref (owned) → value (owned)
      const one = w.int(1);
      const remove = (k: Addr): void => {
        const v = data.get(k)!;
        data.delete(k);
        w.drop(k, v);
      };
      const items: Addr[] = [];
      for (let i = 0; i < N; i++) {
        const o = w.new();
        w.set(o, 0, o); // self.cycle = self
        items.push(o);
        w.heap.incref(one);
        data.set(w.heap.newWeakref(o, remove), one);
      }
      w.collect();
      w.drop(...items);
      expect(data.size).toBe(N);
      expect(w.collect()).toBe(2 * N);
      expect(data.size).toBe(0);
      w.drop(one);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_weak_valued_len_cycles: 20 RefCycle values → gc.collect() 40, len 0', () => {
      const w = new World();
      const N = 20;
      const data = new Map<number, Addr>(); // key → KeyedRef (owned)
      const items: Addr[] = [];
      for (let i = 0; i < N; i++) {
        const o = w.new();
        w.set(o, 0, o);
        items.push(o);
        const key = i;
        data.set(
          key,
          w.heap.newWeakref(o, (wr) => {
            data.delete(key);
            w.drop(wr);
          }),
        );
      }
      w.collect();
      w.drop(...items);
      expect(data.size).toBe(N);
      expect(w.collect()).toBe(2 * N);
      expect(data.size).toBe(0);
      expect(w.live()).toBe(0);
      w.check();
    });
  });

  describe('test_weakref FinalizeTestCase (weakref.finalize over heap weakrefs)', () => {
    it('test_finalize: calling, detaching, and death of the object; the registry owns the weakref', () => {
      const w = new World();
      const { Finalize } = finalizeFactory(w);
      const res: number[] = [];
      const add = (x: number, y: number, z: number) => (): number => {
        res.push(x + y + z);
        return x + y + z;
      };
      const a = w.new();
      let f = new Finalize(a, add(67, 43, 89));
      expect(f.alive).toBe(true);
      expect(f.peek()![0]).toBe(a);
      expect(w.heap.weakrefCount(a)).toBe(1);
      expect(f.call()).toBe(199);
      expect(f.call()).toBe(undefined);
      expect(f.peek()).toBe(undefined);
      expect(f.detach()).toBe(undefined);
      expect(f.alive).toBe(false);
      expect(w.heap.weakrefCount(a)).toBe(0); // observed: 0 after f()
      expect(res).toEqual([199]);

      res.length = 0;
      f = new Finalize(a, add(67, 43, 89));
      expect(f.detach()![0]).toBe(a);
      expect(w.heap.weakrefCount(a)).toBe(0); // observed: 0 after f.detach()
      expect(f.call()).toBe(undefined);
      expect(f.alive).toBe(false);
      expect(res).toEqual([]);

      f = new Finalize(a, add(67, 43, 89));
      w.drop(a);
      expect(f.call()).toBe(undefined);
      expect(f.peek()).toBe(undefined);
      expect(f.alive).toBe(false);
      expect(res).toEqual([199]);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('test_order: finalizers run newest first at death; detached and already-called ones do not', () => {
      const w = new World();
      const { Finalize, registry } = finalizeFactory(w);
      const res: string[] = [];
      const a = w.new();
      const mk = (s: string) => new Finalize(a, () => res.push(s));
      // del f1, f4: the registry keeps them alive (JS objects, only reachable from it).
      mk('f1');
      const f2 = mk('f2');
      const f3 = mk('f3');
      mk('f4');
      const f5 = mk('f5');
      expect([f2.alive, f3.alive, f5.alive]).toEqual([true, true, true]);
      expect(f5.detach()).toBeTruthy();
      expect(f5.alive).toBe(false);
      f5.call();
      res.push('A');
      f3.call();
      expect(f3.alive).toBe(false);
      res.push('B');
      f3.call();
      res.push('C');
      w.drop(a);
      expect(f2.alive).toBe(false);
      res.push('D');
      f2.call();
      expect(res).toEqual(['A', 'f3', 'B', 'C', 'f4', 'f2', 'f1', 'D']);
      expect(registry.size).toBe(0);
      expect(w.live()).toBe(0);
      w.check();
    });
  });
});
