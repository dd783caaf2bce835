import { describe, expect, it } from 'vitest';
import {
  IMMORTAL_REFCNT,
  OB_SIZE_IDX,
  OB_TYPE_IDX,
  TPFLAGS_HAS_CLEAR,
  TPFLAGS_HAS_FINALIZE,
  TPFLAGS_HAVE_GC,
  TPFLAGS_VAR_SIZE,
  TPFLAGS_WEAKREF,
  TPFLAGS_WEAKREFABLE,
  type Addr,
} from '@pyheap/interface';
import { ObjectHeap, WEAKREF_TYPE_NAME } from '../src/index.js';
import { FakeCollector } from './fake-collector.js';
import { codeOf, makeEnv, newAllocator, slot, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

describe('allocation and the header', () => {
  it('a new object has refcount 1, its type id and a zeroed body', () => {
    const { heap } = makeEnv();
    const T = heap.registerType({ name: 'Blob', basicSize: 40 });
    // Dirty the allocator's blocks first so zeroing is observable.
    const a = heap.alloc(T);
    for (let off = 8; off < 40; off += 4) heap.u32[(a + off) >>> 2] = 0xdeadbeef;
    heap.decref(a);
    const b = heap.alloc(T);
    expect(heap.refcnt(b)).toBe(1);
    expect(heap.typeId(b)).toBe(T);
    expect(heap.typeName(b)).toBe('Blob');
    expect(heap.describe(b)).toBe(`<Blob 0x${b.toString(16)}>`);
    expect(b % 8).toBe(0);
    for (let off = 8; off < 40; off += 4) expect(heap.u32[(b + off) >>> 2]).toBe(0);
    expect(heap.objectSize(b)).toBe(40);
    heap.decref(b);
  });

  it('var-size objects get ob_size and room for their items', () => {
    const { heap } = makeEnv();
    const Tuple = heap.registerType({
      name: 'tuple',
      basicSize: 12,
      itemSize: 4,
      itemsAreRefs: true,
      gc: true,
    });
    const t = heap.alloc(Tuple, 5);
    expect(heap.u32[(t >>> 2) + OB_SIZE_IDX]).toBe(5);
    expect(heap.objectSize(t)).toBe(32);
    for (let k = 0; k < 5; k++) expect(heap.getSlot(t, 12 + 4 * k)).toBe(0);
    expect(codeOf(() => heap.getSlot(t, 32))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => heap.getSlot(t, 8))).toBe('E_INVALID_ARGUMENT'); // ob_size is not a slot
    const empty = heap.alloc(Tuple, 0);
    expect(heap.objectSize(empty)).toBe(12);
    heap.decref(t);
    heap.decref(empty);
  });

  it('typeFlags follow the spec', () => {
    const { heap } = makeEnv();
    const A = heap.registerType({
      name: 'A',
      basicSize: 16,
      refOffset: 8,
      refCount: 2,
      gc: true,
      weakrefable: true,
    });
    const B = heap.registerType({ name: 'B', basicSize: 12, itemSize: 1, finalize() {} });
    expect(heap.typeFlags[A]).toBe(TPFLAGS_HAVE_GC | TPFLAGS_WEAKREFABLE | TPFLAGS_HAS_CLEAR);
    expect(heap.typeFlags[B]).toBe(TPFLAGS_VAR_SIZE | TPFLAGS_HAS_FINALIZE);
    expect(heap.typeFlags[heap.weakrefType] & TPFLAGS_WEAKREF).toBe(TPFLAGS_WEAKREF);
    expect(heap.typeSpec(heap.weakrefType).name).toBe(WEAKREF_TYPE_NAME);
    expect(heap.typeSpec(A).name).toBe('A');
    expect(heap.typeCount).toBe(3);
  });

  it('the type table grows past its first capacity', () => {
    const { heap } = makeEnv();
    const ids: number[] = [];
    for (let k = 0; k < 200; k++)
      ids.push(heap.registerType({ name: `T${k}`, basicSize: 8 + (k % 3) * 4, gc: k % 2 === 0 }));
    expect(ids[199]).toBe(201);
    const objs = ids.map((t) => heap.alloc(t));
    objs.forEach((o, k) => expect(heap.typeName(o)).toBe(`T${k}`));
    expect(heap.typeFlags[ids[198]] & TPFLAGS_HAVE_GC).toBe(TPFLAGS_HAVE_GC);
    objs.forEach((o) => heap.decref(o));
  });
});

describe('reference counts as CPython shows them (sys.getrefcount − 1)', () => {
  it('x = C(); l = [x]; y = x; del l; del y', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const List1 = slotsType(heap, 'list1', 1);
    const x = heap.alloc(C); // x = C()
    expect(heap.refcnt(x)).toBe(1);
    const l = heap.alloc(List1);
    heap.incref(x);
    heap.setSlot(l, slot(0), x); // l = [x]
    expect(heap.refcnt(x)).toBe(2);
    heap.incref(x); // y = x
    expect(heap.refcnt(x)).toBe(3);
    heap.decref(l); // del l
    expect(heap.refcnt(x)).toBe(2);
    heap.decref(x); // del y
    expect(heap.refcnt(x)).toBe(1);
    const before = heap.stats().deallocated;
    heap.decref(x); // del x
    expect(heap.stats().deallocated).toBe(before + 1);
  });

  it('setSlot steals the new reference and drops the old one (Py_SETREF)', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const H = slotsType(heap, 'H', 2);
    const h = heap.alloc(H);
    const a = heap.alloc(C);
    const b = heap.alloc(C);
    heap.incref(a);
    heap.setSlot(h, slot(0), a);
    expect(heap.refcnt(a)).toBe(2);
    expect(heap.getSlot(h, slot(0))).toBe(a);
    expect(heap.refcnt(a)).toBe(2); // getSlot borrows
    heap.incref(b);
    heap.setSlot(h, slot(0), b); // a loses the slot's reference
    expect(heap.refcnt(a)).toBe(1);
    expect(heap.refcnt(b)).toBe(2);
    heap.setSlot(h, slot(1), a); // steal our own reference to a
    expect(heap.refcnt(a)).toBe(1);
    const freed = heap.stats().deallocated;
    heap.setSlot(h, slot(1), 0); // a dies here
    expect(heap.stats().deallocated).toBe(freed + 1);
    heap.decref(b);
    heap.decref(h); // frees b too
    expect(heap.stats().liveObjects).toBe(0);
  });

  it('setSlot stores the new value before the old one dies: its finalizer sees the new one', () => {
    const { heap } = makeEnv();
    const seen: Addr[] = [];
    let holder = 0;
    const C = slotsType(heap, 'C', 0, {
      finalize: (h) => seen.push(h.getSlot(holder, slot(0))),
    });
    const H = slotsType(heap, 'H', 1);
    holder = heap.alloc(H);
    heap.setSlot(holder, slot(0), heap.alloc(C));
    const b = heap.alloc(C);
    heap.setSlot(holder, slot(0), b); // the old C dies here
    expect(seen).toEqual([b]);
    heap.decref(holder);
  });

  it('xincref / xdecref accept 0', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    heap.xincref(0);
    heap.xdecref(0);
    const c = heap.alloc(C);
    heap.xincref(c);
    expect(heap.refcnt(c)).toBe(2);
    heap.xdecref(c);
    heap.xdecref(c);
    expect(heap.stats().liveObjects).toBe(0);
  });
});

describe('immortal objects (PEP 683)', () => {
  it('incref/decref write nothing, the object is never freed', () => {
    const env = makeEnv();
    const { heap } = env;
    const C = slotsType(heap, 'NoneType', 0);
    const H = slotsType(heap, 'H', 1);
    const none = heap.alloc(C);
    heap.makeImmortal(none);
    expect(heap.isImmortal(none)).toBe(true);
    expect(heap.refcnt(none)).toBe(IMMORTAL_REFCNT);
    for (let k = 0; k < 1000; k++) heap.incref(none);
    expect(heap.refcnt(none)).toBe(IMMORTAL_REFCNT);
    for (let k = 0; k < 5000; k++) heap.decref(none);
    expect(heap.refcnt(none)).toBe(IMMORTAL_REFCNT);
    const h = heap.alloc(H);
    heap.setSlot(h, slot(0), none); // slots hold immortals like any object
    heap.decref(h);
    expect(heap.refcnt(none)).toBe(IMMORTAL_REFCNT);
    heap.makeImmortal(none); // twice: no change
    expect(heap.stats().immortalObjects).toBe(1);
    expect(heap.stats().liveObjects).toBe(1);
    env.keep = 1;
  });

  it('a count incremented up to IMMORTAL_REFCNT saturates there', () => {
    const env = makeEnv();
    const { heap } = env;
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    heap.u32[c >>> 2] = IMMORTAL_REFCNT - 1;
    heap.incref(c);
    expect(heap.isImmortal(c)).toBe(true);
    heap.incref(c);
    expect(heap.refcnt(c)).toBe(IMMORTAL_REFCNT);
    env.keep = 1;
  });
});

describe('errors leave the state unchanged', () => {
  it('E_REFCOUNT_UNDERFLOW: decref below zero (a freed GC object), and of an object in its finalizer', () => {
    const { heap } = makeEnv();
    let inFinalizer = '';
    const F = slotsType(heap, 'F', 0, {
      finalize(h, o) {
        inFinalizer = codeOf(() => h.decref(o)); // its temporary reference is not the caller's
      },
    });
    const f = heap.alloc(F);
    heap.decref(f);
    expect(inFinalizer).toBe('E_REFCOUNT_UNDERFLOW');
    // A zeroed refcount word with a live type id is an underflow (forged here on purpose).
    const C = heap.registerType({ name: 'C', basicSize: 8 });
    const c = heap.alloc(C);
    heap.u32[c >>> 2] = 0;
    expect(codeOf(() => heap.decref(c))).toBe('E_REFCOUNT_UNDERFLOW');
    expect(heap.u32[c >>> 2]).toBe(0);
    expect(heap.typeId(c)).toBe(C);
    heap.u32[c >>> 2] = 1;
    heap.decref(c);
  });

  it('E_FREED_OBJECT: a freed GC object behind a collector prefix (zeroed type word), without debug', () => {
    // The allocator links a freed block through its first word: behind a prefix the object
    // header survives, and its zeroed type word tells a freed object apart.
    const { heap } = makeEnv({ collector: new FakeCollector({ deallocating: true }) });
    const C = slotsType(heap, 'C', 1);
    const c = heap.alloc(C);
    heap.decref(c);
    expect(codeOf(() => heap.decref(c))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.incref(c))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.refcnt(c))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.getSlot(c, slot(0)))).toBe('E_FREED_OBJECT');
    expect(heap.stats().deallocated).toBe(1);
  });

  it('debug mode: any use of a freed object is E_FREED_OBJECT, a non-object E_INVALID_ADDRESS', () => {
    const { heap, allocator } = makeEnv({ debug: true });
    const C = heap.registerType({ name: 'int', basicSize: 16 });
    const d = heap.alloc(C);
    const block = allocator.malloc(16); // an allocator block that is not an object
    const c = heap.alloc(C);
    heap.decref(c);
    expect(codeOf(() => heap.incref(c))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.decref(c))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.setSlot(c, 8, 0))).toBe('E_FREED_OBJECT');
    expect(codeOf(() => heap.incref(block))).toBe('E_INVALID_ADDRESS');
    allocator.free(block);
    expect(codeOf(() => heap.setSlot(d, 8, c))).toBe('E_FREED_OBJECT');
    expect(heap.getSlot(d, 8)).toBe(0);
    heap.decref(d);
  });

  it('E_INVALID_ADDRESS / E_NOT_A_NUMBER for things that are not object addresses', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 1);
    const c = heap.alloc(C);
    for (const bad of [0, c + 4, c + 1, -8, 2 ** 32, 2 ** 32 + c, 1.5, NaN]) {
      expect(codeOf(() => heap.incref(bad))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => heap.decref(bad))).toBe('E_INVALID_ADDRESS');
    }
    expect(codeOf(() => heap.incref(heap.memory.byteLength + 64))).toBe('E_INVALID_ADDRESS');
    expect(codeOf(() => heap.decref('16' as unknown as number))).toBe('E_NOT_A_NUMBER');
    expect(codeOf(() => heap.setSlot(c, slot(0), c + 4))).toBe('E_INVALID_ADDRESS');
    expect(heap.refcnt(c)).toBe(1);
    expect(heap.getSlot(c, slot(0))).toBe(0);
    heap.decref(c);
  });

  it('E_INVALID_ARGUMENT for slot offsets outside the object or inside the header', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 2);
    const c = heap.alloc(C);
    for (const off of [0, 4, 6, 16, 17, -4, 1.5, 8.5, '8' as unknown as number]) {
      expect(codeOf(() => heap.getSlot(c, off))).toBe('E_INVALID_ARGUMENT');
      expect(codeOf(() => heap.setSlot(c, off, 0))).toBe('E_INVALID_ARGUMENT');
    }
    expect(heap.refcnt(c)).toBe(1);
    heap.decref(c);
  });

  it('E_BAD_TYPE for malformed specs and unknown type ids', () => {
    const { heap } = makeEnv();
    const bad: unknown[] = [
      null,
      { name: '', basicSize: 8 },
      { name: 'x', basicSize: 4 },
      { name: 'x', basicSize: 8.5 },
      { name: 'x', basicSize: 8, itemSize: 4 }, // var-size needs room for ob_size
      { name: 'x', basicSize: 12, refOffset: 8, refCount: 2 },
      { name: 'x', basicSize: 16, refOffset: 9, refCount: 1 },
      { name: 'x', basicSize: 16, refOffset: 4, refCount: 1 },
      { name: 'x', basicSize: 12, itemSize: 2, itemsAreRefs: true },
      { name: 'x', basicSize: 8, finalize: 3 },
      { name: 'x', basicSize: 8, lazyUntrack: 'tuple', gc: true },
      { name: 'x', basicSize: 8, lazyUntrack: 'list', gc: true, mayUntrack: () => true },
      // itemsPointerOffset: room for ob_size and the pointer, aligned, no overlap, clear given
      { name: 'x', basicSize: 12, itemsPointerOffset: 8, clear() {} },
      { name: 'x', basicSize: 20, itemsPointerOffset: 14, clear() {} },
      { name: 'x', basicSize: 20, itemsPointerOffset: 20, clear() {} },
      { name: 'x', basicSize: 20, itemsPointerOffset: 12 },
      { name: 'x', basicSize: 20, itemsPointerOffset: 12, clear() {}, traverse() {} },
      { name: 'x', basicSize: 20, itemsPointerOffset: 12, clear() {}, itemSize: 4 },
      { name: 'x', basicSize: 20, itemsPointerOffset: 12, clear() {}, refOffset: 8, refCount: 1 },
      { name: 'x', basicSize: 20, itemsPointerOffset: 12, clear() {}, refOffset: 12, refCount: 1 },
    ];
    const types = heap.typeCount;
    for (const spec of bad) {
      expect(codeOf(() => heap.registerType(spec as never))).toBe('E_BAD_TYPE');
    }
    expect(heap.typeCount).toBe(types);
    for (const id of [0, 99, -1, 1.5, 65536]) {
      expect(codeOf(() => heap.alloc(id))).toBe('E_BAD_TYPE');
      expect(codeOf(() => heap.typeSpec(id))).toBe('E_BAD_TYPE');
    }
    expect(heap.stats().allocated).toBe(0);
  });

  it('E_INVALID_SIZE / E_INVALID_ARGUMENT for item counts', () => {
    const { heap } = makeEnv();
    const V = heap.registerType({ name: 'bytes', basicSize: 12, itemSize: 1 });
    const F = heap.registerType({ name: 'int', basicSize: 8 });
    expect(codeOf(() => heap.alloc(V, -1))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => heap.alloc(V, 1.5))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => heap.alloc(F, 3))).toBe('E_INVALID_ARGUMENT');
    expect(heap.stats().allocated).toBe(0);
  });

  it('E_ALREADY_TRACKED for double tracking and for non-GC objects (refcount-only mode)', () => {
    const { heap } = makeEnv();
    const G = slotsType(heap, 'G', 0);
    const N = heap.registerType({ name: 'int', basicSize: 8 });
    const g = heap.alloc(G);
    const n = heap.alloc(N);
    expect(heap.isTracked(g)).toBe(false);
    heap.track(g);
    expect(heap.isTracked(g)).toBe(true);
    expect(codeOf(() => heap.track(g))).toBe('E_ALREADY_TRACKED');
    expect(codeOf(() => heap.track(n))).toBe('E_ALREADY_TRACKED');
    expect(heap.isTracked(n)).toBe(false);
    heap.untrack(n); // no-op
    heap.untrack(g);
    heap.untrack(g); // twice is fine
    expect(heap.isTracked(g)).toBe(false);
    heap.track(g);
    heap.decref(g); // dealloc untracks
    heap.decref(n);
  });

  it('options are validated', () => {
    const allocator = newAllocator();
    expect(codeOf(() => new ObjectHeap({} as never))).toBe('E_INVALID_ARGUMENT');
    const narrow = { ...allocator, alignment: 4, memory: allocator.memory } as never;
    expect(codeOf(() => new ObjectHeap({ allocator: narrow }))).toBe('E_INVALID_ARGUMENT');
    const odd = new FakeCollector({}, 12);
    expect(codeOf(() => new ObjectHeap({ allocator, collector: odd }))).toBe('E_INVALID_ARGUMENT');
    expect(odd.attachCount).toBe(0);
  });
});

describe('type word', () => {
  it('keeps the type id in the low 16 bits and flags in the high half', () => {
    const { heap } = makeEnv();
    const G = slotsType(heap, 'G', 0);
    const g = heap.alloc(G);
    heap.track(g);
    const word = heap.u32[(g >>> 2) + OB_TYPE_IDX];
    expect(word & 0xffff).toBe(G);
    expect(word >>> 16).not.toBe(0);
    heap.decref(g);
  });
});
