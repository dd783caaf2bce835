import { describe, expect, it } from 'vitest';
import { OBF_HAS_WEAKREFS, OB_TYPE_IDX, REFS_ITEM_BLOCK, type Addr } from '@pyheap/interface';
import { WR_OBJECT_IDX } from '../src/index.js';
import { codeOf, makeEnv, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

describe('check() finds broken invariants (E_CORRUPT_HEAP)', () => {
  it('a referent that lost OBF_HAS_WEAKREFS, a weakref pointing elsewhere', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const a = heap.alloc(C);
    const b = heap.alloc(C);
    const wr = heap.newWeakref(a, () => {});
    heap.check();
    const t = (a >>> 2) + OB_TYPE_IDX;
    heap.u32[t] &= ~OBF_HAS_WEAKREFS;
    expect(codeOf(() => heap.check())).toBe('E_CORRUPT_HEAP');
    heap.u32[t] |= OBF_HAS_WEAKREFS;
    heap.u32[(wr >>> 2) + WR_OBJECT_IDX] = b;
    expect(codeOf(() => heap.check())).toBe('E_CORRUPT_HEAP');
    heap.u32[(wr >>> 2) + WR_OBJECT_IDX] = a;
    heap.check();
    for (const o of [wr, a, b]) heap.decref(o);
  });

  it('debug mode: a live object with refcount 0 or a foreign type id', () => {
    const { heap } = makeEnv({ debug: true });
    const C = slotsType(heap, 'C', 0);
    const a = heap.alloc(C);
    heap.check();
    heap.u32[a >>> 2] = 0;
    expect(codeOf(() => heap.check())).toBe('E_CORRUPT_HEAP');
    heap.u32[a >>> 2] = 1;
    heap.u32[(a >>> 2) + OB_TYPE_IDX] = 999;
    expect(codeOf(() => heap.check())).toBe('E_CORRUPT_HEAP');
    heap.u32[(a >>> 2) + OB_TYPE_IDX] = C;
    heap.check();
    heap.decref(a);
  });
});

describe('ObjectSpace.refLayout', () => {
  it('describes slot-derived traversal and follows table growth', () => {
    const { heap } = makeEnv();
    const P = heap.registerType({ name: 'P', basicSize: 20, refOffset: 12, refCount: 2, gc: true });
    const T = heap.registerType({
      name: 'T',
      basicSize: 12,
      itemSize: 4,
      itemsAreRefs: true,
      gc: true,
    });
    const X = heap.registerType({ name: 'X', basicSize: 12, gc: true, traverse() {} });
    let layout = heap.refLayout!;
    expect([
      layout.slotTraverse[P],
      layout.refOffset[P],
      layout.refCount[P],
      layout.itemOffset[P],
    ]).toEqual([1, 12, 2, 0]);
    expect([layout.slotTraverse[T], layout.refCount[T], layout.itemOffset[T]]).toEqual([1, 0, 12]);
    expect(layout.slotTraverse[X]).toBe(0);
    for (let k = 0; k < 100; k++) heap.registerType({ name: `Y${k}`, basicSize: 8 });
    layout = heap.refLayout!;
    expect(layout.refOffset.length).toBeGreaterThan(100);
    expect(layout.refOffset[P]).toBe(12);
    // The layout walk visits what traverse visits, in the same order.
    const p = heap.alloc(P);
    const t = heap.alloc(T, 3);
    heap.setSlot(p, 16, heap.alloc(X));
    heap.incref(p);
    heap.setSlot(t, 12, p);
    heap.setSlot(t, 20, heap.alloc(X));
    for (const o of [p, t]) {
      const ty = heap.typeId(o);
      const viaLayout: Addr[] = [];
      for (let k = 0; k < layout.refCount[ty]; k++) {
        const r = heap.u32[((o + layout.refOffset[ty]) >>> 2) + k];
        if (r) viaLayout.push(r);
      }
      if (layout.itemOffset[ty] !== 0) {
        for (let k = heap.u32[(o >>> 2) + 2] - 1; k >= 0; k--) {
          const r = heap.u32[((o + layout.itemOffset[ty]) >>> 2) + k];
          if (r) viaLayout.push(r);
        }
      }
      const viaTraverse: Addr[] = [];
      heap.traverse(o, { visit: (r) => viaTraverse.push(r) });
      expect(viaLayout).toEqual(viaTraverse);
    }
    heap.decref(p);
    heap.decref(t);
  });

  it('describes an out-of-line item block (itemsPointerOffset) and derives traverse from it', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    // A list-like type: ob_size at byte 8, one fixed slot at 12, the block pointer at 16.
    const L = heap.registerType({
      name: 'L',
      basicSize: 20,
      refOffset: 12,
      refCount: 1,
      itemsPointerOffset: 16,
      gc: true,
      clear: (_h, l) => {
        const i = l >>> 2;
        const block = heap.u32[i + 4];
        const n = heap.u32[i + 2];
        heap.u32[i + 2] = 0;
        heap.u32[i + 4] = 0;
        for (let k = n - 1; k >= 0; k--) {
          const item = heap.u32[(block >>> 2) + k];
          if (item !== 0) heap.decref(item);
        }
        if (block !== 0) heap.allocator.free(block);
        const fixed = heap.u32[i + 3];
        heap.u32[i + 3] = 0;
        if (fixed !== 0) heap.decref(fixed);
      },
    });
    const layout = heap.refLayout!;
    expect([
      layout.slotTraverse[L],
      layout.refOffset[L],
      layout.refCount[L],
      layout.itemOffset[L],
    ]).toEqual([REFS_ITEM_BLOCK, 12, 1, 16]);
    const l = heap.alloc(L);
    const seen = (): Addr[] => {
      const out: Addr[] = [];
      heap.traverse(l, { visit: (r) => out.push(r) });
      return out;
    };
    expect(seen()).toEqual([]); // no block yet
    const fixed = heap.alloc(C);
    heap.setSlot(l, 12, fixed);
    const items = [heap.alloc(C), 0, heap.alloc(C), heap.alloc(C)];
    const block = heap.allocator.malloc(4 * items.length);
    items.forEach((x, k) => (heap.u32[(block >>> 2) + k] = x));
    heap.u32[(l >>> 2) + 4] = block;
    heap.u32[(l >>> 2) + 2] = 3; // ob_size: the fourth slot is spare and never visited
    // Fixed slots first, then items last to first, NULL items skipped (list_traverse).
    expect(seen()).toEqual([fixed, items[2], items[0]]);
    heap.decref(items[3]);
    const blocks = heap.allocator.stats().blocksInUse;
    heap.decref(l);
    expect(heap.stats().liveObjects).toBe(0);
    expect(heap.allocator.stats().blocksInUse).toBe(blocks - 5); // l, its block, the fixed referent, two items
  });

  it('is absent with refLayout: false; clearFreeLists runs the registered clearers', () => {
    const { heap } = makeEnv({ refLayout: false });
    expect(heap.refLayout).toBe(undefined);
    let cleared = 0;
    heap.addFreeListClearer(() => cleared++);
    heap.clearFreeLists();
    expect(cleared).toBe(1);
  });
});
