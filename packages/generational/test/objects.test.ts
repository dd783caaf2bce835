/*
 * The test_gc scenarios again, on @pyheap/objects' real built-ins (list, tuple, dict, classes
 * with __del__ / tp_del, weakrefs) instead of the shapes of world.ts, with CPython 3.13's
 * numbers (spec c.7, f.8–f.11).
 */
import { describe, expect, it } from 'vitest';
import { DEBUG_SAVEALL, type Addr } from '@pyheap/interface';
import { PyRuntime } from '@pyheap/objects';
import { GenerationalCollector } from '../src/index.js';

function runtime(): {
  rt: PyRuntime;
  gc: GenerationalCollector;
  collect: (g?: number) => number;
  unraisable: unknown[];
} {
  const gc = new GenerationalCollector({ enabled: false, debug: true });
  const unraisable: unknown[] = [];
  const rt = new PyRuntime({
    collector: gc,
    debug: true,
    unraisableHook: (e) => unraisable.push(e),
  });
  const collect = (g?: number): number => {
    const r = gc.collect(g);
    return r.collected + r.uncollectable;
  };
  return { rt, gc, collect, unraisable };
}

describe('test_gc on @pyheap/objects', () => {
  it('test_list: l = []; l.append(l) → 1', () => {
    const { rt, collect, gc } = runtime();
    const l = rt.list.new();
    rt.list.append(l, l);
    collect();
    rt.decref(l);
    expect(collect()).toBe(1);
    gc.check();
  });

  it('two lists referring to each other → 2', () => {
    const { rt, collect } = runtime();
    const a = rt.list.new();
    const b = rt.list.new([a]);
    rt.list.append(a, b);
    rt.decref(a);
    rt.decref(b);
    expect(collect()).toBe(2);
  });

  it('test_dict: d = {}; d[1] = d → 1', () => {
    const { rt, collect } = runtime();
    const d = rt.dict.new();
    const one = rt.int.new(1);
    rt.dict.set(d, one, d);
    rt.decref(one);
    collect();
    rt.decref(d);
    expect(collect()).toBe(1);
  });

  it('test_tuple: l = []; t = (l,); l.append(t) → 2', () => {
    const { rt, collect } = runtime();
    const l = rt.list.new();
    const t = rt.tuple.new([l]);
    rt.list.append(l, t);
    collect();
    rt.decref(t);
    rt.decref(l);
    expect(collect()).toBe(2);
  });

  it('test_instance: a = A(); a.a = a → 1 (3.13)', () => {
    const { rt, collect } = runtime();
    const A = rt.cls.new('A');
    const a = rt.instance.new(A);
    rt.instance.setAttr(a, 'a', a);
    collect();
    rt.decref(a);
    expect(collect()).toBe(1);
    rt.decref(A);
  });

  it('c.7: a self-referencing list holding [1, 2] and {"k": []} → 4', () => {
    const { rt, collect } = runtime();
    const one = rt.int.new(1);
    const two = rt.int.new(2);
    const inner = rt.list.new([one, two]);
    const empty = rt.list.new();
    const k = rt.str.new('k');
    const d = rt.dict.new();
    rt.dict.set(d, k, empty);
    const l = rt.list.new([inner, d]);
    rt.list.append(l, l);
    for (const o of [one, two, inner, empty, k, d]) rt.decref(o);
    collect();
    rt.decref(l);
    expect(collect()).toBe(4);
  });

  it('__del__ self-cycle → 1 with gc.garbage empty; resurrection 0 then 1', () => {
    const { rt, collect, gc } = runtime();
    let dels = 0;
    const A = rt.cls.new('A', { finalize: () => dels++ });
    const a = rt.instance.new(A);
    rt.instance.setAttr(a, 'a', a);
    rt.decref(a);
    expect(collect()).toBe(1);
    expect(dels).toBe(1);
    expect(gc.garbage).toEqual([]);

    const storage: Addr[] = [];
    let calls = 0;
    const Lazarus = rt.cls.new('Lazarus', {
      finalize: (_rt, self) => {
        calls++;
        rt.incref(self);
        storage.push(self);
      },
    });
    const laz = rt.instance.new(Lazarus);
    rt.instance.setAttr(laz, 'me', laz);
    rt.decref(laz);
    expect(collect()).toBe(0);
    expect(rt.isFinalized(storage[0])).toBe(true);
    rt.decref(storage.pop()!);
    expect(collect()).toBe(1);
    expect(calls).toBe(1);
    rt.decref(A);
    rt.decref(Lazarus);
  });

  it('DEBUG_SAVEALL keeps the cycle in gc.garbage', () => {
    const { rt, collect, gc } = runtime();
    const l = rt.list.new();
    rt.list.append(l, l);
    gc.setDebug(DEBUG_SAVEALL);
    rt.decref(l);
    expect(collect()).toBe(1);
    expect(gc.garbage).toEqual([l]);
  });

  it('f.8: tp_del self-cycle + plain self-cycle → 2; two tp_del pairs + plain → 5 (1 collected, 4 uncollectable)', () => {
    const { rt, gc } = runtime();
    const A = rt.cls.new('A', { legacyDel: () => {} });
    const B = rt.cls.new('B');
    const a = rt.instance.new(A);
    rt.instance.setAttr(a, 'a', a);
    const b = rt.instance.new(B);
    rt.instance.setAttr(b, 'b', b);
    rt.decref(a);
    rt.decref(b);
    expect(gc.collect()).toEqual({ generation: 2, collected: 1, uncollectable: 1 });
    expect(gc.garbage).toEqual([a]);

    const U = rt.cls.new('Uncollectable', { legacyDel: () => {} });
    for (let k = 0; k < 2; k++) {
      const x = rt.instance.new(U);
      const y = rt.instance.new(U);
      rt.instance.setAttr(x, 'partner', y);
      rt.instance.setAttr(y, 'partner', x);
      rt.decref(x);
      rt.decref(y);
    }
    const c = rt.instance.new(B);
    rt.instance.setAttr(c, 'loop', c);
    rt.decref(c);
    expect(gc.collect()).toEqual({ generation: 2, collected: 1, uncollectable: 4 });
    // gc.garbage's reference keeps the first tp_del object reachable: not found again.
    expect(gc.garbage.length).toBe(5);
  });

  it('is_tracked: a tuple of atoms is untracked by collect(0); a dict by collect(2) only', () => {
    const { rt, gc } = runtime();
    const a = rt.int.new(1000);
    const b = rt.str.new('b');
    const t = rt.tuple.new([a, b]);
    expect(gc.isTracked(t)).toBe(true);
    gc.collect(0);
    expect(gc.isTracked(t)).toBe(false);
    const d = rt.dict.new();
    const k = rt.str.new('a');
    const v = rt.list.new();
    rt.dict.set(d, k, v);
    expect(gc.isTracked(d)).toBe(true);
    rt.dict.delete(d, k);
    gc.collect(1);
    expect(gc.isTracked(d)).toBe(true);
    gc.collect(2);
    expect(gc.isTracked(d)).toBe(false);
  });

  it('weakref callbacks on cyclic trash run and see the referent dead; a trash weakref with its cycle → no call', () => {
    const { rt, collect } = runtime();
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    rt.instance.setAttr(c, 'loop', c);
    let seen: Addr = -1;
    const wr = rt.weakref.new(c, (_rt, ref) => (seen = rt.weakref.get(ref)));
    rt.decref(c);
    expect(collect()).toBe(1);
    expect(seen).toBe(rt.None);
    rt.decref(wr);

    let called = 0;
    const d = rt.instance.new(C);
    rt.instance.setAttr(d, 'loop', d);
    const wd = rt.weakref.new(d, () => called++);
    rt.instance.setAttr(d, 'wr', wd);
    rt.decref(wd);
    rt.decref(d);
    expect(collect()).toBe(2); // CPython 3: 3 with the lambda object
    expect(called).toBe(0);
  });

  it('get_count arithmetic: count0 follows GC allocations minus deallocations, free lists aside', () => {
    // Spec b.9, observed on 3.12.1 / 3.13.0: gc.collect(); x = [] → +1; del x → unchanged (the
    // list went to the free list); 1000 lists made and dropped → 1000, then 80 (80 kept, 920
    // GC deallocations). A list taken from the free list is no GC allocation either.
    const { rt, gc, collect } = runtime();
    collect();
    expect(gc.getCount()).toEqual([0, 0, 0]);
    const x = rt.list.new();
    expect(gc.getCount()[0]).toBe(1);
    rt.decref(x);
    expect(gc.getCount()[0]).toBe(1);
    const y = rt.list.new();
    expect(y).toBe(x); // reused
    expect(gc.getCount()[0]).toBe(1);
    rt.decref(y);
    collect(); // full: the free lists are emptied, as _PyGC_ClearAllFreeLists
    expect(rt.stats().heap.freeListed).toBe(0);
    const many = Array.from({ length: 1000 }, () => rt.list.new());
    expect(gc.getCount()[0]).toBe(1000);
    for (const l of many) rt.decref(l);
    expect(gc.getCount()[0]).toBe(80);
    expect(rt.stats().heap.freeListed).toBe(80);
    collect(0);
    expect(gc.getCount()).toEqual([0, 1, 0]);
    expect(rt.stats().heap.freeListed).toBe(80); // only full collections empty them
    collect();
    expect(rt.stats().heap.freeListed).toBe(0);
    expect(gc.getCount()).toEqual([0, 0, 0]);
  });
});
