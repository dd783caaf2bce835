/**
 * Free lists (TypeSpec.freeList, spec b.9): freed objects kept for reuse as CPython's list,
 * dict, tuple and float free lists keep them — not counted by the collector when kept or
 * reused, released (and then counted) by clearFreeLists, which full collections call.
 */
import { describe, expect, it } from 'vitest';
import { FakeCollector } from './fake-collector.js';
import { codeOf, makeEnv, useLeakCheck } from './helpers.js';

useLeakCheck();

describe('free lists', () => {
  it('a fixed-size type keeps up to freeList objects, reuses them last first, zeroed', () => {
    const { heap, allocator } = makeEnv({ debug: true });
    const T = heap.registerType({ name: 'T', basicSize: 16, freeList: 2 });
    const blocks0 = allocator.stats().blocksInUse;
    const [a, b, c] = [heap.alloc(T), heap.alloc(T), heap.alloc(T)];
    heap.u32[(b >>> 2) + 2] = 0xdead;
    for (const o of [a, b, c]) heap.decref(o);
    // a and b kept (the list had room for two), c freed.
    expect(heap.stats().freeListed).toBe(2);
    expect(heap.stats().liveObjects).toBe(0);
    expect(allocator.stats().blocksInUse).toBe(blocks0 + 2);
    // A kept object is freed for every purpose but its memory.
    expect(codeOf(() => heap.incref(b))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.incref(c))).toBe('E_FREED_OBJECT');
    const d = heap.alloc(T);
    expect(d).toBe(b); // last kept, first reused
    expect(heap.refcnt(d)).toBe(1);
    expect(heap.u32[(d >>> 2) + 2]).toBe(0); // zeroed as a new object
    expect(heap.stats().freeListed).toBe(1);
    expect(allocator.stats().blocksInUse).toBe(blocks0 + 2);
    heap.decref(d);
    heap.clearFreeLists();
    expect(heap.stats().freeListed).toBe(0);
    expect(allocator.stats().blocksInUse).toBe(blocks0);
  });

  it('a variable-size type keeps one list per item count 1..freeListItems', () => {
    const { heap, allocator } = makeEnv();
    const V = heap.registerType({
      name: 'V',
      basicSize: 12,
      itemSize: 4,
      itemsAreRefs: true,
      freeList: 5,
      freeListItems: 2,
    });
    const blocks0 = allocator.stats().blocksInUse;
    const objs = [0, 1, 2, 3, 2].map((n) => heap.alloc(V, n));
    for (const o of objs) heap.decref(o);
    // Sizes 1 and 2 (twice) kept; 0 and 3 freed.
    expect(heap.stats().freeListed).toBe(3);
    expect(allocator.stats().blocksInUse).toBe(blocks0 + 3);
    expect(heap.alloc(V, 2)).toBe(objs[4]);
    expect(heap.alloc(V, 2)).toBe(objs[2]);
    const fresh = heap.alloc(V, 2); // that list is empty now
    expect(heap.stats().freeListed).toBe(1);
    expect(heap.objectSize(fresh)).toBe(20);
    for (const o of [objs[4], objs[2], fresh]) heap.decref(o);
    heap.clearFreeLists();
    expect(allocator.stats().blocksInUse).toBe(blocks0);
  });

  it('with a collector: keeping untracks and is no deallocation, reuse is no allocation; clearing is', () => {
    const collector = new FakeCollector({ containerAllocated: true, deallocating: true });
    const { heap } = makeEnv({ collector });
    const G = heap.registerType({ name: 'G', basicSize: 12, gc: true, freeList: 1 });
    const a = heap.alloc(G);
    heap.track(a);
    collector.log.length = 0;
    heap.decref(a);
    expect(collector.tracked.has(a)).toBe(false); // untracked when kept
    expect(collector.log).toEqual([]); // no deallocating hook: count0 would not drop
    const b = heap.alloc(G);
    expect(b).toBe(a);
    expect(collector.log).toEqual([]); // no containerAllocated hook: count0 would not rise
    expect(heap.stats().liveGcObjects).toBe(1);
    expect(heap.isTracked(b)).toBe(false);
    heap.decref(b);
    expect(heap.stats().liveGcObjects).toBe(0);
    heap.clearFreeLists();
    expect(collector.log).toEqual([`dealloc ${a}`]); // PyObject_GC_Del now
  });

  it('bad specs: E_BAD_TYPE', () => {
    const { heap } = makeEnv();
    const types = heap.typeCount;
    expect(codeOf(() => heap.registerType({ name: 'A', basicSize: 8, freeList: -1 }))).toBe(
      'E_BAD_TYPE',
    );
    expect(codeOf(() => heap.registerType({ name: 'B', basicSize: 8, freeList: 1.5 }))).toBe(
      'E_BAD_TYPE',
    );
    expect(
      codeOf(() => heap.registerType({ name: 'C', basicSize: 12, itemSize: 4, freeList: 3 })),
    ).toBe('E_BAD_TYPE');
    expect(
      codeOf(() => heap.registerType({ name: 'D', basicSize: 8, freeList: 3, freeListItems: 2 })),
    ).toBe('E_BAD_TYPE');
    expect(heap.typeCount).toBe(types);
  });
});
