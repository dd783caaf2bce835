import { describe, expect, it } from 'vitest';
import { TPFLAGS_UNTRACK_TUPLE, type Addr } from '@pyheap/interface';
import { FakeCollector } from './fake-collector.js';
import { codeOf, makeEnv, slot, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

describe('the collector prefix', () => {
  it('GC objects sit prefixBytes into their block; other objects at its start', () => {
    const collector = new FakeCollector({}, 16);
    const { heap, allocator } = makeEnv({ collector });
    expect(collector.attachCount).toBe(1);
    expect(collector.space).toBe(heap);
    expect(heap.prefixBytes).toBe(16);
    const G = slotsType(heap, 'list', 1);
    const N = heap.registerType({ name: 'int', basicSize: 16 });
    const g = heap.alloc(G);
    const n = heap.alloc(N);
    expect(allocator.owns(g - 16)).toBe(true);
    expect(allocator.owns(g)).toBe(false);
    expect(allocator.owns(n)).toBe(true);
    expect(allocator.usableSize(g - 16)).toBeGreaterThanOrEqual(16 + 12);
    expect(heap.stats().liveGcObjects).toBe(1);
    heap.decref(g);
    heap.decref(n);
    expect(heap.stats().liveGcObjects).toBe(0);
  });

  it('refcount-only mode has no prefix', () => {
    const { heap, allocator } = makeEnv();
    expect(heap.prefixBytes).toBe(0);
    expect(heap.collector).toBe(null);
    const G = slotsType(heap, 'list', 1);
    const g = heap.alloc(G);
    expect(allocator.owns(g)).toBe(true);
    heap.decref(g);
  });
});

describe('hooks are called only when declared', () => {
  it('containerAllocated after every GC allocation (prefix zeroed by then)', () => {
    const collector = new FakeCollector({ containerAllocated: true });
    const { heap } = makeEnv({ collector });
    const G = slotsType(heap, 'G', 0);
    const N = heap.registerType({ name: 'int', basicSize: 8 });
    const g1 = heap.alloc(G);
    const n = heap.alloc(N);
    const g2 = heap.alloc(G);
    expect(collector.log).toEqual([`alloc ${g1}`, `alloc ${g2}`]);
    expect(heap.isTracked(g1)).toBe(false); // allocation does not track
    for (const o of [g1, n, g2]) heap.decref(o);
    expect(collector.log.length).toBe(2);
  });

  it('decrefToNonZero for GC objects left alive, from decref and from deallocation', () => {
    const collector = new FakeCollector({ decrefToNonZero: true });
    const env = makeEnv({ collector });
    const { heap } = env;
    const G = slotsType(heap, 'G', 1);
    const N = heap.registerType({ name: 'int', basicSize: 8 });
    const g = heap.alloc(G);
    const n = heap.alloc(N);
    const holder = heap.alloc(G);
    heap.incref(g);
    heap.incref(g);
    heap.decref(g); // 3 → 2
    heap.incref(n);
    heap.decref(n); // not a GC object
    heap.setSlot(holder, slot(0), g); // steals one
    heap.decref(holder); // holder dies (no hook), g 2 → 1 (hook)
    heap.makeImmortal(n);
    heap.decref(n); // immortal: nothing
    expect(collector.log).toEqual([`nonzero ${g}`, `nonzero ${g}`]);
    heap.decref(g); // to zero: no hook
    expect(collector.log.length).toBe(2);
    env.keep = 1; // the immortal int
  });

  it('deallocating before the block is freed; untracks when the hook is absent', () => {
    const withHook = new FakeCollector({ deallocating: true });
    const a = makeEnv({ collector: withHook });
    const G = slotsType(a.heap, 'G', 1);
    const g = a.heap.alloc(G);
    a.heap.track(g);
    a.heap.setSlot(g, slot(0), a.heap.alloc(G));
    const child = a.heap.getSlot(g, slot(0));
    a.heap.decref(g);
    expect(withHook.log).toEqual([`dealloc ${g}`, `dealloc ${child}`]);
    expect(withHook.tracked.size).toBe(0);

    const noHook = new FakeCollector({});
    const b = makeEnv({ collector: noHook });
    const G2 = slotsType(b.heap, 'G', 0);
    const o = b.heap.alloc(G2);
    b.heap.track(o);
    expect(noHook.tracked.has(o)).toBe(true);
    b.heap.decref(o);
    expect(noHook.log).toEqual([]);
    expect(noHook.tracked.size).toBe(0);
  });

  it('no object waiting for its children is tracked while user code runs', () => {
    const collector = new FakeCollector({ deallocating: true });
    const { heap } = makeEnv({ collector });
    const P = slotsType(heap, 'P', 2);
    const seen: boolean[] = [];
    let parents: Addr[] = [];
    const C = slotsType(heap, 'C', 0, {
      finalize: () => seen.push(...parents.map((p) => collector.tracked.has(p))),
    });
    const top = heap.alloc(P);
    const mid = heap.alloc(P);
    heap.setSlot(top, slot(0), mid);
    heap.setSlot(top, slot(1), heap.alloc(P));
    heap.setSlot(mid, slot(0), heap.alloc(C));
    heap.setSlot(mid, slot(1), heap.alloc(P));
    parents = [top, mid];
    for (const o of parents) heap.track(o);
    heap.decref(top);
    expect(seen).toEqual([false, false]);
    expect(collector.tracked.size).toBe(0);
  });

  it('track / untrack / isTracked go to the collector', () => {
    const collector = new FakeCollector();
    const { heap } = makeEnv({ collector });
    const G = slotsType(heap, 'G', 0);
    const g = heap.alloc(G);
    heap.track(g);
    expect(collector.tracked.has(g)).toBe(true);
    expect(heap.isTracked(g)).toBe(true);
    expect(codeOf(() => heap.track(g))).toBe('E_ALREADY_TRACKED');
    heap.untrack(g);
    expect(heap.isTracked(g)).toBe(false);
    const wr = heap.newWeakref(g);
    expect(collector.tracked.has(wr)).toBe(true);
    heap.decref(wr);
    heap.decref(g);
  });
});

describe('refcount-only mode', () => {
  it('cycles are never freed but stay visible in stats', () => {
    const { heap } = makeEnv();
    const G = slotsType(heap, 'G', 1);
    const a = heap.alloc(G);
    const b = heap.alloc(G);
    heap.track(a);
    heap.track(b);
    heap.incref(b);
    heap.setSlot(a, slot(0), b);
    heap.incref(a);
    heap.setSlot(b, slot(0), a);
    heap.decref(a);
    heap.decref(b);
    expect(heap.stats().liveObjects).toBe(2);
    expect(heap.stats().liveGcObjects).toBe(2);
    expect(heap.refcnt(a)).toBe(1);
    // What a collector would do: clear one member (tp_clear), which frees both.
    heap.incref(a);
    heap.clear(a);
    heap.decref(a);
    expect(heap.stats().liveObjects).toBe(0);
  });
});

describe('ObjectSpace members', () => {
  it('traverse and clear derived from slots; mayUntrack from the type', () => {
    const { heap } = makeEnv();
    const Leaf = heap.registerType({ name: 'str', basicSize: 12 });
    const Tup = heap.registerType({
      name: 'tuple',
      basicSize: 12,
      itemSize: 4,
      itemsAreRefs: true,
      gc: true,
      lazyUntrack: 'tuple',
      mayUntrack: (h, o) => h.getSlot(o, 12) === 0 || h.typeName(h.getSlot(o, 12)) === 'str',
    });
    expect(heap.typeFlags[Tup] & TPFLAGS_UNTRACK_TUPLE).toBe(TPFLAGS_UNTRACK_TUPLE);
    const t = heap.alloc(Tup, 3);
    const leaf = heap.alloc(Leaf);
    heap.setSlot(t, 12, leaf);
    heap.setSlot(t, 20, heap.alloc(Leaf));
    const seen: Addr[] = [];
    heap.traverse(t, { visit: (r) => seen.push(r) });
    expect(seen).toEqual([heap.getSlot(t, 20), leaf]); // items last to first; NULL skipped
    expect(heap.mayUntrack(t)).toBe(true);
    const Plain = slotsType(heap, 'P', 0);
    const p = heap.alloc(Plain);
    expect(heap.mayUntrack(p)).toBe(false);
    heap.clear(t);
    expect(heap.getSlot(t, 12)).toBe(0);
    expect(heap.getSlot(t, 20)).toBe(0);
    expect(heap.stats().liveObjects).toBe(2);
    heap.decref(t);
    heap.decref(p);
  });

  it('custom traverse and clear are used instead; exceptions in clear are unraisable', () => {
    const { heap, unraisable } = makeEnv();
    const calls: string[] = [];
    let failing = 0;
    const T = heap.registerType({
      name: 'custom',
      basicSize: 16,
      refOffset: 8,
      refCount: 2,
      gc: true,
      traverse(h, o, v) {
        calls.push('traverse');
        const r = h.getSlot(o, 12);
        if (r) v.visit(r);
      },
      clear(h, o) {
        calls.push('clear');
        h.setSlot(o, 12, 0);
        h.setSlot(o, 8, 0);
        if (o === failing) throw new Error('bad clear');
      },
    });
    const o = heap.alloc(T);
    const child = heap.alloc(T);
    heap.setSlot(o, 8, child);
    failing = child;
    const childName = heap.describe(child);
    const seen: Addr[] = [];
    heap.traverse(o, { visit: (r) => seen.push(r) });
    expect(seen).toEqual([]);
    heap.clear(o);
    expect(heap.getSlot(o, 8)).toBe(0);
    expect(calls).toEqual(['traverse', 'clear', 'clear']); // child's clear ran at its dealloc
    expect(unraisable.map((u) => u[1])).toEqual([`Exception ignored in tp_clear of ${childName}`]);
    heap.decref(o);
  });

  it('reportUnraisable goes to the hook; describe and typeName', () => {
    const { heap, unraisable } = makeEnv();
    heap.reportUnraisable(new Error('x'), 'ctx');
    expect(unraisable).toEqual([[new Error('x'), 'ctx']]);
    const T = slotsType(heap, 'Foo', 0);
    const f = heap.alloc(T);
    expect(heap.typeName(f)).toBe('Foo');
    expect(heap.describe(f)).toBe(`<Foo 0x${f.toString(16)}>`);
    heap.decref(f);
  });
});
