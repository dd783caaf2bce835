/**
 * The fast paths of the refcount core — decref to zero without decrefSlow, the simple death
 * without drain (freeSimple), alloc's fixed-size path, track's inline checks — must behave
 * exactly as the general code: same errors, same writes in the same order, same counters and
 * collector hooks. Each test below fails if a fast path takes a case it must leave alone.
 */
import { describe, expect, it } from 'vitest';
import {
  IMMORTAL_REFCNT,
  OBF_DEALLOCATING,
  OB_TYPE_IDX,
  type Addr,
  type CollectorHooks,
} from '@pyheap/interface';
import type { ObjectHeap } from '../src/index.js';
import { FakeCollector } from './fake-collector.js';
import { codeOf, makeEnv, messageOf, slot, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

/** A FakeCollector that also records, at `deallocating`, what the dying object looks like. */
class PeekCollector extends FakeCollector {
  readonly seen: string[] = [];
  peek: ((obj: Addr) => string) | null = null;
  override deallocating(obj: Addr): void {
    if (this.peek !== null) this.seen.push(this.peek(obj));
    super.deallocating(obj);
  }
}

describe('simple deaths (freeSimple) and the cases left to drain', () => {
  it('a child held twice by the dying object with refcount 2 dies too (slow path)', () => {
    const { heap } = makeEnv();
    const T = slotsType(heap, 'T', 2);
    const c = heap.alloc(T);
    const o = heap.alloc(T);
    heap.incref(c);
    heap.setSlot(o, slot(0), c);
    heap.setSlot(o, slot(1), c); // c: refcount 2, both references from o
    expect(heap.refcnt(c)).toBe(2);
    heap.decref(o);
    expect(heap.stats()).toMatchObject({ liveObjects: 0, deallocated: 2, liveGcObjects: 0 });
  });

  it('a child held twice with refcount 3 survives with refcount 1', () => {
    const { heap } = makeEnv();
    const T = slotsType(heap, 'T', 3);
    const c = heap.alloc(T);
    const o = heap.alloc(T);
    heap.incref(c);
    heap.incref(c);
    heap.setSlot(o, slot(0), c);
    heap.setSlot(o, slot(2), c);
    heap.decref(o);
    expect(heap.refcnt(c)).toBe(1);
    expect(heap.stats()).toMatchObject({ liveObjects: 1, deallocated: 1 });
    heap.decref(c);
  });

  it('distinct children with refcounts ≤ the slot count survive (counted one by one)', () => {
    const { heap } = makeEnv();
    const T = slotsType(heap, 'T', 3);
    const kids = [heap.alloc(T), heap.alloc(T), heap.alloc(T)];
    const o = heap.alloc(T);
    kids.forEach((k, n) => {
      heap.incref(k);
      heap.setSlot(o, slot(n), k); // each kid: refcount 2, one reference from o
    });
    heap.decref(o);
    for (const k of kids) expect(heap.refcnt(k)).toBe(1);
    for (const k of kids) heap.decref(k);
    expect(heap.stats().deallocated).toBe(4);
  });

  it('a second child that dies after a surviving first one is freed', () => {
    const { heap } = makeEnv();
    const T = slotsType(heap, 'T', 2);
    const keep = heap.alloc(T);
    const dies = heap.alloc(T);
    const o = heap.alloc(T);
    heap.incref(keep);
    heap.setSlot(o, slot(0), keep);
    heap.setSlot(o, slot(1), dies);
    heap.decref(o);
    expect(heap.refcnt(keep)).toBe(1);
    expect(heap.stats()).toMatchObject({ liveObjects: 1, deallocated: 2 });
    heap.decref(keep);
  });

  it('immortal children keep IMMORTAL_REFCNT, also when held by several slots', () => {
    const env = makeEnv();
    const { heap } = env;
    const T = slotsType(heap, 'T', 3);
    const none = heap.alloc(T);
    heap.makeImmortal(none);
    const o = heap.alloc(T);
    for (let k = 0; k < 3; k++) heap.setSlot(o, slot(k), none);
    heap.decref(o);
    expect(heap.refcnt(none)).toBe(IMMORTAL_REFCNT);
    expect(heap.stats()).toMatchObject({ liveObjects: 1, deallocated: 1, immortalObjects: 1 });
    env.keep = 1;
  });

  it('an object with weakrefs goes through the full sequence (callback, cleared weakref)', () => {
    const { heap } = makeEnv();
    const T = slotsType(heap, 'T', 1);
    const c = heap.alloc(T);
    const o = heap.alloc(T);
    heap.incref(c);
    heap.setSlot(o, slot(0), c);
    const seen: Addr[] = [];
    const wr = heap.newWeakref(o, (w) => seen.push(w));
    const shared = heap.newWeakref(o);
    heap.decref(o);
    expect(seen).toEqual([wr]);
    expect(heap.weakrefGet(wr)).toBe(0);
    expect(heap.weakrefGet(shared)).toBe(0);
    expect(heap.refcnt(c)).toBe(1);
    expect(heap.stats()).toMatchObject({ weakrefCallbacksCalled: 1, objectsWithWeakrefs: 0 });
    for (const x of [wr, shared, c]) heap.decref(x);
  });

  it('a self-reference (count 0 by then) is reported by drain as before', () => {
    const env = makeEnv();
    const { heap } = env;
    const T = slotsType(heap, 'T', 1);
    const o = heap.alloc(T);
    heap.incref(o);
    heap.setSlot(o, slot(0), o);
    // Forge the count down to the self-reference alone: its drop finds count 0.
    heap.u32[o >>> 2] = 1;
    heap.decref(o);
    expect(env.unraisable.length).toBe(1);
    expect(
      codeOf(() => {
        throw env.unraisable[0][0];
      }),
    ).toBe('E_REFCOUNT_UNDERFLOW');
    expect(heap.stats().deallocated).toBe(1);
  });

  it('deallocating sees the object marked, its slots zeroed and its child decremented', () => {
    const collector = new PeekCollector({ deallocating: true });
    const { heap } = makeEnv({ collector });
    const T = slotsType(heap, 'T', 2);
    const c = heap.alloc(T);
    const o = heap.alloc(T);
    heap.incref(c);
    heap.setSlot(o, slot(0), c);
    heap.track(o);
    collector.peek = (x) =>
      [
        (heap.u32[(x >>> 2) + OB_TYPE_IDX] & OBF_DEALLOCATING) !== 0 ? 'dealloc' : 'live',
        heap.u32[(x + slot(0)) >>> 2],
        heap.u32[(x + slot(1)) >>> 2],
        heap.u32[c >>> 2],
        heap.allocator.owns(x - 8) ? 'owned' : 'freed',
        collector.isTracked(x) ? 'tracked' : 'untracked',
      ].join(' ');
    heap.decref(o);
    expect(collector.seen).toEqual(['dealloc 0 0 1 owned tracked']);
    expect(collector.tracked.has(o)).toBe(false);
    expect(collector.log).toEqual([`dealloc ${o}`]);
    heap.decref(c);
  });

  it('with decrefToNonZero, every surviving child is reported (drain, not the fast path)', () => {
    const collector = new FakeCollector({ decrefToNonZero: true });
    const { heap } = makeEnv({ collector });
    const T = slotsType(heap, 'T', 1);
    const c = heap.alloc(T);
    const o = heap.alloc(T);
    heap.incref(c);
    heap.setSlot(o, slot(0), c);
    heap.decref(o);
    expect(collector.log).toEqual([`nonzero ${c}`]);
    heap.decref(c);
  });
});

describe('decref to zero: the errors of decrefSlow', () => {
  for (const debug of [false, true]) {
    const mode = debug ? 'debug' : 'release';

    it(`${mode}: decref of a freed object is E_FREED_OBJECT`, () => {
      // With a collector prefix, so that the allocator's free list does not overwrite the
      // zeroed count (release mode can only see that).
      const { heap } = makeEnv({ debug, collector: new FakeCollector() });
      const T = slotsType(heap, 'T', 1);
      const o = heap.alloc(T);
      heap.decref(o);
      expect(codeOf(() => heap.decref(o))).toBe('E_FREED_OBJECT');
      expect(heap.stats().deallocated).toBe(1);
    });

    it(`${mode}: decref in a finalizer (count 1, being deallocated) underflows`, () => {
      const { heap } = makeEnv({ debug });
      let inFinalizer = '';
      const F = slotsType(heap, 'F', 0, {
        finalize(h, o) {
          inFinalizer = codeOf(() => h.decref(o));
        },
      });
      heap.decref(heap.alloc(F));
      expect(inFinalizer).toBe('E_REFCOUNT_UNDERFLOW');
      expect(heap.stats()).toMatchObject({ deallocated: 1, finalizersCalled: 1, resurrections: 0 });
    });

    it(`${mode}: decref in a dealloc extra (count 0) underflows`, () => {
      const { heap } = makeEnv({ debug });
      let inDealloc = '';
      const D = slotsType(heap, 'D', 0, {
        dealloc(h, o) {
          inDealloc = codeOf(() => h.decref(o));
        },
      });
      heap.decref(heap.alloc(D));
      expect(inDealloc).toBe('E_REFCOUNT_UNDERFLOW');
    });

    it(`${mode}: forged headers with count 1 keep their errors`, () => {
      const { heap, allocator } = makeEnv({ debug });
      const T = slotsType(heap, 'T', 0);
      const block = allocator.malloc(16);
      const u32 = heap.u32;
      u32[block >>> 2] = 1;
      u32[(block >>> 2) + OB_TYPE_IDX] = 0; // type 0: a freed object
      expect(codeOf(() => heap.decref(block))).toBe(debug ? 'E_INVALID_ADDRESS' : 'E_FREED_OBJECT');
      u32[(block >>> 2) + OB_TYPE_IDX] = T + 1; // not a registered type
      expect(codeOf(() => heap.decref(block))).toBe('E_INVALID_ADDRESS');
      expect(u32[block >>> 2]).toBe(1);
      expect(codeOf(() => heap.decref(block + 4))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => heap.decref(0))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => heap.decref('8' as unknown as Addr))).toBe('E_NOT_A_NUMBER');
      allocator.free(block);
      expect(heap.stats().deallocated).toBe(0);
    });
  }
});

describe('the same run on the fast paths and on the general code', () => {
  /**
   * Build a random acyclic graph (slots point only at older objects, some at an immortal one,
   * some twice at the same child), then drop every object's own reference in a random order.
   * Returns the collector's deallocation order and the heap's counters.
   */
  function run(hooks: Partial<CollectorHooks>, debug: boolean, seed: number) {
    const collector = new FakeCollector({ deallocating: true, ...hooks });
    const env = makeEnv({ collector, debug });
    const { heap } = env;
    let s = seed;
    const rand = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    const G = slotsType(heap, 'G', 3);
    const P = heap.registerType({ name: 'P', basicSize: 16, refOffset: 8, refCount: 2 });
    const none = heap.alloc(P);
    heap.makeImmortal(none);
    const objs: Addr[] = [];
    for (let k = 0; k < 400; k++) {
      const gc = rand(3) !== 0;
      const o = heap.alloc(gc ? G : P);
      if (gc && rand(2) === 0) heap.track(o);
      for (let n = 0; n < (gc ? 3 : 2); n++) {
        const r = rand(6);
        if (r === 0 || objs.length === 0) continue;
        const target = r === 1 ? none : r === 2 && n > 0 ? heap.getSlot(o, slot(n - 1)) : 0;
        const child = target !== 0 ? target : objs[rand(objs.length)];
        heap.incref(child);
        heap.setSlot(o, slot(n), child);
      }
      objs.push(o);
    }
    const counts: number[] = [];
    while (objs.length > 0) {
      const o = objs.splice(rand(objs.length), 1)[0];
      heap.decref(o);
      counts.push(heap.stats().liveObjects);
    }
    env.keep = 1;
    return {
      order: collector.log.filter((line) => line.startsWith('dealloc')),
      counts,
      stats: heap.stats(),
    };
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: release mode without hooks = debug mode with decrefToNonZero`, () => {
      const fast = run({}, false, seed);
      const slow = run({ decrefToNonZero: true }, true, seed);
      expect(fast.order).toEqual(slow.order);
      expect(fast.counts).toEqual(slow.counts);
      expect(fast.stats).toEqual(slow.stats);
      expect(fast.stats).toMatchObject({
        allocated: 401,
        deallocated: 400,
        liveObjects: 1,
        immortalObjects: 1,
        trashcanDeferred: 0,
      });
    });
  }
});

describe('alloc', () => {
  it('fixed-size objects are zeroed, with the collector prefix, and containerAllocated', () => {
    const collector = new FakeCollector({ containerAllocated: true });
    const { heap, allocator } = makeEnv({ collector });
    const G = heap.registerType({ name: 'G', basicSize: 20, gc: true });
    const N = heap.registerType({ name: 'N', basicSize: 20 });
    const dirty = allocator.malloc(32);
    heap.u32.fill(0xdeadbeef, dirty >>> 2, (dirty + 32) >>> 2);
    allocator.free(dirty);
    const g = heap.alloc(G);
    expect(g - 8).toBe(dirty); // the same block, reused
    for (let off = -8; off < 24; off += 4) {
      expect(heap.u32[(g + off) >>> 2]).toBe(off === 0 ? 1 : off === 4 ? G : 0);
    }
    expect(allocator.usableSize(g - 8)).toBeGreaterThanOrEqual(32);
    const n = heap.alloc(N);
    expect(collector.log).toEqual([`alloc ${g}`]);
    expect(heap.stats()).toMatchObject({ allocated: 2, liveGcObjects: 1 });
    heap.decref(g);
    heap.decref(n);
  });

  it('var-size objects beyond 256 bytes are zeroed; sizes beyond the heap fail as malloc does', () => {
    const { heap, allocator } = makeEnv();
    const V = heap.registerType({ name: 'V', basicSize: 12, itemSize: 4 });
    const W = heap.registerType({ name: 'W', basicSize: 12, itemSize: 1 << 16 });
    const dirty = allocator.malloc(412);
    heap.u32.fill(0xdeadbeef, dirty >>> 2, (dirty + 412) >>> 2);
    allocator.free(dirty);
    const v = heap.alloc(V, 100);
    expect(heap.objectSize(v)).toBe(412);
    for (let k = 0; k < 100; k++) expect(heap.getSlot(v, 12 + 4 * k)).toBe(0);
    heap.decref(v);
    // 12 + 2^16 × 2^16 bytes: the request malloc refuses, with malloc's own error.
    const bytes = 12 + 2 ** 32 + 4; // rounded up to 8
    expect(messageOf(() => heap.alloc(W, 1 << 16))).toBe(messageOf(() => allocator.malloc(bytes)));
    expect(codeOf(() => heap.alloc(W, 1 << 16))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => heap.alloc(V, 2 ** 30 - 2))).toBe('E_INVALID_SIZE'); // 2^32 − 8 + 12
    expect(codeOf(() => heap.alloc(V, 1.5))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => heap.alloc(V, -1))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => heap.alloc(heap.registerType({ name: 'F', basicSize: 8 }), 1))).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect(codeOf(() => heap.alloc(99))).toBe('E_BAD_TYPE');
    expect(heap.stats()).toMatchObject({ allocated: 1, deallocated: 1 });
  });
});

describe('track', () => {
  function trackErrors(heap: ObjectHeap): string[] {
    const G = slotsType(heap, 'G', 1);
    const N = heap.registerType({ name: 'N', basicSize: 8 });
    const g = heap.alloc(G);
    const n = heap.alloc(N);
    const gone = heap.alloc(G);
    heap.decref(gone);
    heap.track(g);
    const codes = [
      codeOf(() => heap.track(g)),
      codeOf(() => heap.track(n)),
      codeOf(() => heap.track(gone)),
      codeOf(() => heap.track(g + 4)),
      codeOf(() => heap.track(0)),
      codeOf(() => heap.track('8' as unknown as Addr)),
      messageOf(() => heap.track(n)),
    ];
    expect(heap.isTracked(g)).toBe(true);
    heap.decref(g);
    heap.decref(n);
    return codes;
  }
  const expected = (name: string) => [
    'E_ALREADY_TRACKED',
    'E_ALREADY_TRACKED',
    'E_FREED_OBJECT',
    'E_INVALID_ADDRESS',
    'E_INVALID_ADDRESS',
    'E_NOT_A_NUMBER',
    `track: '${name}' objects are not GC objects`,
  ];

  it('refcount-only mode (the header bit)', () => {
    expect(trackErrors(makeEnv().heap)).toEqual(expected('N'));
  });
  it('with a collector', () => {
    expect(trackErrors(makeEnv({ collector: new FakeCollector() }).heap)).toEqual(expected('N'));
  });
  it('debug mode', () => {
    expect(trackErrors(makeEnv({ debug: true }).heap)).toEqual(expected('N'));
  });
});
