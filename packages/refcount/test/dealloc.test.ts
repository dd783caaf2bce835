import { describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import type { ObjectHeap } from '../src/index.js';
import { chain, makeEnv, slot, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

/**
 * A list-like type with its items out of line (a buffer from the heap's allocator), its own
 * traverse and clear — the shape of CPython's list: clear drops items last to first.
 */
function listType(heap: ObjectHeap, log?: string[]): number {
  return heap.registerType({
    name: 'list',
    basicSize: 16, // ob_size at 8, items pointer at 12
    gc: true,
    weakrefable: true,
    traverse(h, o, visitor) {
      const n = h.u32[(o >>> 2) + 2];
      const items = h.u32[(o >>> 2) + 3];
      for (let k = n - 1; k >= 0; k--) {
        const ref = h.u32[(items >>> 2) + k];
        if (ref !== 0) visitor.visit(ref);
      }
    },
    clear(h, o) {
      const n = h.u32[(o >>> 2) + 2];
      const items = h.u32[(o >>> 2) + 3];
      h.u32[(o >>> 2) + 2] = 0;
      h.u32[(o >>> 2) + 3] = 0;
      log?.push(`clear ${h.typeName(o)}`);
      for (let k = n - 1; k >= 0; k--) h.xdecref(h.u32[(items >>> 2) + k]);
      if (items !== 0) h.allocator.free(items);
    },
  });
}

/** A list holding `items` (references stolen). */
function newList(heap: ObjectHeap, type: number, items: Addr[]): Addr {
  const o = heap.alloc(type);
  const buf = heap.allocator.malloc(4 * items.length);
  items.forEach((it, k) => (heap.u32[(buf >>> 2) + k] = it));
  heap.u32[(o >>> 2) + 2] = items.length;
  heap.u32[(o >>> 2) + 3] = buf;
  return o;
}

describe('deallocation order (subtype_dealloc, depth first)', () => {
  it('finalizer, weakref callbacks, dealloc extra, then each slot fully before the next', () => {
    const { heap } = makeEnv();
    const log: string[] = [];
    const names = new Map<Addr, string>();
    const T = slotsType(heap, 'T', 2, {
      finalize: (h, o) => {
        log.push(`fin ${names.get(o)}`);
        if (names.get(o) === 'B') log.push(`C refcnt ${h.refcnt(c)}`); // A still holds C
      },
      dealloc: (_h, o) => log.push(`dealloc ${names.get(o)}`),
    });
    const mk = (name: string): Addr => {
      const o = heap.alloc(T);
      names.set(o, name);
      return o;
    };
    const a = mk('A');
    const b = mk('B');
    const c = mk('C');
    const d = mk('D');
    heap.setSlot(a, slot(0), b);
    heap.setSlot(a, slot(1), c);
    heap.setSlot(b, slot(0), d);
    const wr = heap.newWeakref(a, () => log.push('callback A'));
    heap.decref(a);
    expect(log).toEqual([
      'fin A',
      'callback A',
      'dealloc A',
      'fin B',
      'C refcnt 1',
      'dealloc B',
      'fin D',
      'dealloc D',
      'fin C',
      'dealloc C',
    ]);
    expect(heap.stats().liveObjects).toBe(1); // only the weakref object
    heap.decref(wr);
  });

  it('a shared child dies with its last reference, after the first holder is done', () => {
    const { heap } = makeEnv();
    const log: string[] = [];
    const names = new Map<Addr, string>();
    const T = slotsType(heap, 'T', 2, { finalize: (_h, o) => log.push(names.get(o)!) });
    const [a, x, y] = ['A', 'X', 'Y'].map((n) => {
      const o = heap.alloc(T);
      names.set(o, n);
      return o;
    });
    heap.setSlot(a, slot(0), x);
    heap.incref(y);
    heap.setSlot(a, slot(1), y);
    heap.setSlot(x, slot(0), y);
    expect(heap.refcnt(y)).toBe(2);
    heap.decref(a);
    expect(log).toEqual(['A', 'X', 'Y']);
  });

  it('tuple-like items are dropped last to first, after the fixed slots', () => {
    const { heap } = makeEnv();
    const log: string[] = [];
    const names = new Map<Addr, string>();
    const Leaf = slotsType(heap, 'Leaf', 0, { finalize: (_h, o) => log.push(names.get(o)!) });
    const Tup = heap.registerType({
      name: 'tuple+',
      basicSize: 16,
      refOffset: 12,
      refCount: 1,
      itemSize: 4,
      itemsAreRefs: true,
      gc: true,
    });
    const t = heap.alloc(Tup, 3);
    const leaf = (n: string): Addr => {
      const o = heap.alloc(Leaf);
      names.set(o, n);
      return o;
    };
    heap.setSlot(t, 12, leaf('fixed'));
    for (let k = 0; k < 3; k++) heap.setSlot(t, 16 + 4 * k, leaf(`item${k}`));
    const seen: Addr[] = [];
    heap.traverse(t, { visit: (r) => seen.push(r) });
    expect(seen.map((r) => names.get(r))).toEqual(['fixed', 'item2', 'item1', 'item0']);
    heap.decref(t);
    expect(log).toEqual(['fixed', 'item2', 'item1', 'item0']);
  });

  it('custom clear (out-of-line items): each item fully deallocated before the next', () => {
    const { heap } = makeEnv();
    const log: string[] = [];
    const names = new Map<Addr, string>();
    const List = listType(heap);
    const T = slotsType(heap, 'T', 1, { finalize: (_h, o) => log.push(names.get(o)!) });
    const mk = (n: string): Addr => {
      const o = heap.alloc(T);
      names.set(o, n);
      return o;
    };
    const p = mk('P');
    heap.setSlot(p, slot(0), mk('R'));
    const l = newList(heap, List, [p, mk('Q')]);
    heap.decref(l);
    expect(log).toEqual(['Q', 'P', 'R']);
  });

  it('a decref to zero frees everything unreachable before it returns', () => {
    const { heap, allocator, baseline } = makeEnv();
    const T = slotsType(heap, 'T', 3);
    const List = listType(heap);
    // A small DAG mixing slot types and a list.
    const leaves = Array.from({ length: 10 }, () => heap.alloc(T));
    const l = newList(heap, List, leaves.slice(0, 5));
    const root = heap.alloc(T);
    heap.setSlot(root, slot(0), l);
    heap.setSlot(root, slot(1), chain(heap, T, 50));
    const mid = heap.alloc(T);
    for (let k = 5; k < 10; k++) heap.setSlot(leaves[k - 5], slot(0), leaves[k]);
    heap.incref(leaves[0]);
    heap.setSlot(mid, slot(0), leaves[0]);
    heap.setSlot(root, slot(2), mid);
    expect(heap.stats().liveObjects).toBe(10 + 1 + 1 + 50 + 1);
    heap.decref(root);
    expect(heap.stats().liveObjects).toBe(0);
    expect(allocator.stats().blocksInUse).toBe(baseline);
  });
});

describe('no recursion: the work stack and the trashcan', () => {
  it('frees a 10,000,000-long chain, exactly, without overflowing the JS stack', () => {
    const { heap } = makeEnv();
    const Node = heap.registerType({ name: 'Node', basicSize: 12, refOffset: 8, refCount: 1 });
    const N = 10_000_000;
    const head = chain(heap, Node, N);
    expect(heap.stats().liveObjects).toBe(N);
    heap.decref(head);
    const s = heap.stats();
    expect(s.deallocated).toBe(N);
    expect(s.liveObjects).toBe(0);
    expect(s.peakWorkStack).toBe(0); // a chain never waits on the stack
  });

  it('a chain of finalizer objects with weakref callbacks, in head-to-tail order', () => {
    const { heap } = makeEnv();
    const order: number[] = [];
    const index = new Map<Addr, number>();
    let finals = 0;
    const Node = slotsType(heap, 'Node', 1, { finalize: () => finals++ });
    const N = 20_000;
    const weakrefs: Addr[] = [];
    let head = 0;
    for (let k = N - 1; k >= 0; k--) {
      const n = heap.alloc(Node);
      heap.setSlot(n, slot(0), head);
      head = n;
      const wr = heap.newWeakref(n, (w) => order.push(index.get(w)!));
      index.set(wr, k);
      weakrefs.push(wr);
    }
    heap.decref(head);
    expect(finals).toBe(N);
    expect(order).toEqual(Array.from({ length: N }, (_, k) => k));
    expect(heap.stats().weakrefCallbacksCalled).toBe(N);
    weakrefs.forEach((w) => heap.decref(w));
  });

  it('deeply nested lists (custom clear) are deferred past TRASHCAN_LIMIT levels', () => {
    const { heap } = makeEnv();
    const List = listType(heap);
    const depth = 200_000;
    let inner = newList(heap, List, []);
    for (let k = 1; k < depth; k++) inner = newList(heap, List, [inner]);
    heap.decref(inner);
    const s = heap.stats();
    expect(s.deallocated).toBe(depth);
    expect(s.trashcanDeferred).toBeGreaterThan(depth / 60);
  });

  it('an object deferred by the trashcan is already dead to its weakrefs; their callbacks run later', () => {
    const { heap } = makeEnv();
    const weakOf = new Map<Addr, Addr>();
    const seen: Addr[] = [];
    let callbacks = 0;
    const Box = heap.registerType({
      name: 'Box',
      basicSize: 12,
      refOffset: 8,
      refCount: 1,
      weakrefable: true,
      clear(h, o) {
        const child = h.getSlot(o, 8);
        h.setSlot(o, 8, 0); // nested death, or deferred past TRASHCAN_LIMIT levels
        if (child !== 0) seen.push(h.weakrefGet(weakOf.get(child)!));
      },
    });
    const depth = 120;
    let inner = 0;
    for (let k = 0; k < depth; k++) {
      const box = heap.alloc(Box);
      heap.setSlot(box, 8, inner);
      weakOf.set(
        box,
        heap.newWeakref(box, () => callbacks++),
      );
      inner = box;
    }
    heap.decref(inner);
    expect(heap.stats().trashcanDeferred).toBeGreaterThan(0);
    expect(seen.length).toBe(depth - 1);
    expect(seen.every((r) => r === 0)).toBe(true);
    expect(callbacks).toBe(depth);
    for (const w of weakOf.values()) heap.decref(w);
  });

  it('a weakref waiting in the trashcan when its referent dies gets no callback (it is dead)', () => {
    // PyObject_ClearWeakRefs calls a callback only "if the weakref object itself is still
    // alive": past TRASHCAN_LIMIT levels both the weakref and its referent wait, refcount 0,
    // and the referent (deferred last) is deallocated first. The weakref was unlinked when it
    // was deferred, as weakref_dealloc unlinks first.
    const { heap, unraisable } = makeEnv();
    const Box = heap.registerType({
      name: 'Box',
      basicSize: 16,
      refOffset: 8,
      refCount: 2,
      clear(h, o) {
        h.setSlot(o, 12, 0); // the weakref first…
        h.setSlot(o, 8, 0); // …then the next box, or the referent
      },
    });
    const T = slotsType(heap, 'T', 0);
    let called = 0;
    const target = heap.alloc(T);
    const wr = heap.newWeakref(target, () => called++);
    let inner = heap.alloc(Box);
    heap.setSlot(inner, 8, target);
    heap.setSlot(inner, 12, wr);
    for (let k = 0; k < 120; k++) {
      const box = heap.alloc(Box);
      heap.setSlot(box, 8, inner);
      inner = box;
    }
    const deferred = heap.stats().trashcanDeferred;
    heap.decref(inner);
    expect(heap.stats().trashcanDeferred).toBeGreaterThanOrEqual(deferred + 2);
    expect(called).toBe(0);
    expect(unraisable).toEqual([]);
    expect(heap.stats().liveObjects).toBe(0);
  });

  it('a shared weakref deferred by the trashcan is unlinked at once: a new weakref.ref(x) meanwhile is the only one', () => {
    const { heap } = makeEnv();
    const T = slotsType(heap, 'T', 0);
    const target = heap.alloc(T);
    let basic = heap.newWeakref(target);
    const seen: string[] = [];
    const Box = heap.registerType({
      name: 'Box',
      basicSize: 12,
      refOffset: 8,
      refCount: 1,
      clear(h, o) {
        const child = h.getSlot(o, 8);
        h.setSlot(o, 8, 0);
        if (child !== 0) return;
        // The innermost box, at TRASHCAN_LIMIT levels: del wr; wr = weakref.ref(target).
        const deferred = h.stats().trashcanDeferred;
        h.decref(basic);
        seen.push(`deferred ${h.stats().trashcanDeferred - deferred}`);
        seen.push(`count ${h.weakrefCount(target)}`);
        const again = h.newWeakref(target);
        seen.push(`new ${again !== basic}, count ${h.weakrefCount(target)}`);
        h.check();
        basic = again;
      },
    });
    let inner = 0;
    // 99 boxes: boxes 1–50 die at nesting 1–50 and box 51 is deferred; once that unwinds, the
    // destroy chain holds nesting 1 and boxes 51–99 die at nesting 2–50 (3.12's
    // _PyTrash_thread_destroy_chain), so the innermost one's weakref is deferred too.
    for (let k = 0; k < 99; k++) {
      const box = heap.alloc(Box);
      heap.setSlot(box, 8, inner);
      inner = box;
    }
    heap.decref(inner);
    expect(seen).toEqual(['deferred 1', 'count 0', 'new true, count 1']);
    expect(heap.weakrefGet(basic)).toBe(target);
    heap.decref(basic);
    heap.decref(target);
  });

  it('a tracked object deferred by the trashcan and resurrected by its finalizer stays tracked', () => {
    const { heap } = makeEnv();
    let target = 0;
    let saved = 0;
    const Box = heap.registerType({
      name: 'Box',
      basicSize: 12,
      refOffset: 8,
      refCount: 1,
      gc: true,
      clear(h, o) {
        h.setSlot(o, 8, 0);
      },
      finalize(h, o) {
        if (o === target) {
          h.incref(o);
          saved = o;
        }
      },
    });
    let inner = 0;
    const boxes: Addr[] = [];
    for (let k = 0; k < 120; k++) {
      const box = heap.alloc(Box);
      heap.setSlot(box, 8, inner);
      heap.track(box);
      boxes.push(box);
      inner = box;
    }
    target = boxes[10]; // 110 levels down from the head: deferred
    heap.decref(inner);
    expect(heap.stats().trashcanDeferred).toBeGreaterThan(0);
    expect(saved).toBe(target);
    expect(heap.refcnt(saved)).toBe(1);
    expect(heap.isTracked(saved)).toBe(true);
    expect(heap.stats().liveObjects).toBe(11); // the target and the ten boxes it holds
    heap.decref(saved);
    expect(heap.stats().finalizersCalled).toBe(120); // the target's ran once
  });

  it('finalizers that drop their successor themselves (self.next = None in __del__)', () => {
    const { heap } = makeEnv();
    let finals = 0;
    const Node = slotsType(heap, 'Node', 1, {
      finalize(h, o) {
        finals++;
        h.setSlot(o, slot(0), 0);
      },
    });
    const N = 100_000;
    heap.decref(chain(heap, Node, N));
    expect(finals).toBe(N);
    expect(heap.stats().deallocated).toBe(N);
    expect(heap.stats().trashcanDeferred).toBeGreaterThan(0);
  });

  it('a wide tree: the parent waits on the work stack while each subtree goes', () => {
    const { heap } = makeEnv();
    const Node = slotsType(heap, 'Node', 2);
    const build = (depth: number): Addr => {
      const n = heap.alloc(Node);
      if (depth > 0) {
        heap.setSlot(n, slot(0), build(depth - 1));
        heap.setSlot(n, slot(1), build(depth - 1));
      }
      return n;
    };
    const root = build(14);
    expect(heap.stats().liveObjects).toBe(2 ** 15 - 1);
    heap.decref(root);
    expect(heap.stats().liveObjects).toBe(0);
    expect(heap.stats().peakWorkStack).toBe(14);
  });
});

describe('dealloc extras and errors inside deallocation', () => {
  it('exceptions in finalizers, dealloc and clear go to the unraisable hook; freeing goes on', () => {
    const { heap, unraisable } = makeEnv();
    const Boom = slotsType(heap, 'Boom', 1, {
      finalize() {
        throw new Error('in __del__');
      },
      dealloc() {
        throw new Error('in dealloc');
      },
    });
    const List = heap.registerType({
      name: 'badlist',
      basicSize: 12,
      refOffset: 8,
      refCount: 1,
      clear(h, o) {
        h.setSlot(o, 8, 0);
        throw new Error('in clear');
      },
    });
    const b = heap.alloc(Boom);
    const l = heap.alloc(List);
    heap.setSlot(l, 8, heap.alloc(Boom));
    heap.setSlot(b, slot(0), l);
    heap.decref(b);
    expect(heap.stats().liveObjects).toBe(0);
    expect(unraisable.map(([e]) => (e as Error).message)).toEqual([
      'in __del__',
      'in dealloc',
      'in __del__',
      'in dealloc',
      'in clear',
    ]);
    expect(unraisable[0][1]).toMatch(/^Exception ignored in finalizer of <Boom 0x[0-9a-f]+>$/);
  });
});
