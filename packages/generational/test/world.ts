/*
 * Test world: a pymalloc heap, a refcount ObjectHeap and a GenerationalCollector, with a few
 * real object types registered directly on the heap (the shapes CPython's test_gc uses):
 *
 *   int       non-GC, one u32 value                       (never tracked)
 *   list      var-size GC container, items are references  list(n) has n item slots
 *   tuple     var-size GC container, lazily untracked      (c.2: every collection)
 *   dict      GC, two key/value pairs, lazily untracked     (c.2: full collections only)
 *   instance  GC, weakrefable, four attribute slots; classes with __del__ (finalize), legacy
 *             tp_del (legacyFinalize) are registered per test with `cls()`
 *   opaque    NON-GC container with one reference (ContainerNoGC: no tp_traverse for the GC)
 */
import type { Addr, TypeSpec } from '@pyheap/interface';
import { TPFLAGS_HAVE_GC, OB_TYPE_IDX, TYPE_ID_MASK } from '@pyheap/interface';
import { createPymalloc, type Pymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import { GenerationalCollector, type GenerationalOpts } from '../src/index.js';

export interface ClassOpts {
  /** __del__ (PEP 442 tp_finalize). */
  del?: (self: Addr) => void;
  /** Legacy tp_del (with_tp_del): cycles through it are uncollectable. */
  tpDel?: (self: Addr) => void;
}

export class World {
  /** Whether new worlds give the collector ObjectSpace.refLayout (its inline fast path). */
  static layout = false;
  readonly allocator: Pymalloc;
  readonly collector: GenerationalCollector;
  readonly heap: ObjectHeap;
  readonly lines: string[] = [];
  readonly unraisable: { error: unknown; context: string }[] = [];
  readonly Int: number;
  readonly List: number;
  readonly Tuple: number;
  readonly Dict: number;
  readonly Instance: number;
  readonly Opaque: number;
  private classes = 0;

  constructor(opts: GenerationalOpts = {}, heapDebug = true) {
    this.allocator = createPymalloc();
    this.collector = new GenerationalCollector({
      debug: true,
      enabled: false,
      debugSink: (line) => this.lines.push(line),
      ...opts,
    });
    this.heap = new ObjectHeap({
      refLayout: World.layout,
      allocator: this.allocator,
      collector: this.collector,
      debug: heapDebug,
      unraisableHook: (error, context) => this.unraisable.push({ error, context }),
    });
    const heap = this.heap;
    this.Int = heap.registerType({ name: 'int', basicSize: 12 });
    this.List = heap.registerType({
      name: 'list',
      basicSize: 12,
      itemSize: 4,
      itemsAreRefs: true,
      gc: true,
      weakrefable: true,
    });
    this.Tuple = heap.registerType({
      name: 'tuple',
      basicSize: 12,
      itemSize: 4,
      itemsAreRefs: true,
      gc: true,
      lazyUntrack: 'tuple',
      mayUntrack: (space, obj) => {
        // _PyTuple_MaybeUntrack: no NULL item, and no item that may be tracked.
        const n = space.u32[(obj >>> 2) + 2];
        for (let i = 0; i < n; i++) {
          const item = space.getSlot(obj, 12 + 4 * i);
          if (item === 0 || this.mayBeTracked(item)) return false;
        }
        return true;
      },
    });
    this.Dict = heap.registerType({
      name: 'dict',
      basicSize: 24,
      refOffset: 8,
      refCount: 4,
      gc: true,
      lazyUntrack: 'dict',
      mayUntrack: (space, obj) => {
        for (let i = 0; i < 4; i++) {
          const v = space.getSlot(obj, 8 + 4 * i);
          if (v !== 0 && this.mayBeTracked(v)) return false;
        }
        return true;
      },
    });
    this.Instance = this.cls('A');
    this.Opaque = heap.registerType({
      name: 'ContainerNoGC',
      basicSize: 12,
      refOffset: 8,
      refCount: 1,
    });
  }

  /** _PyObject_GC_MAY_BE_TRACKED: a GC object, and if it is a tuple, a tracked one. */
  mayBeTracked(obj: Addr): boolean {
    const heap = this.heap;
    const t = heap.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
    if ((heap.typeFlags[t] & TPFLAGS_HAVE_GC) === 0) return false;
    return t !== this.Tuple || heap.isTracked(obj);
  }

  /** A class: instances have four attribute slots (8, 12, 16, 20), are GC and weakrefable. */
  cls(name: string, opts: ClassOpts = {}): number {
    const spec: TypeSpec<ObjectHeap> = {
      name: name === 'A' && this.classes > 0 ? `A${this.classes}` : name,
      basicSize: 24,
      refOffset: 8,
      refCount: 4,
      gc: true,
      weakrefable: true,
      ...(opts.del ? { finalize: (_s: ObjectHeap, obj: Addr) => opts.del!(obj) } : {}),
      ...(opts.tpDel ? { legacyFinalize: (_s: ObjectHeap, obj: Addr) => opts.tpDel!(obj) } : {}),
    };
    this.classes++;
    return this.heap.registerType(spec);
  }

  /** A new, tracked instance of `cls` (NEW reference). */
  new(cls: number = this.Instance): Addr {
    const obj = this.heap.alloc(cls);
    this.heap.track(obj);
    return obj;
  }

  int(value: number): Addr {
    const obj = this.heap.alloc(this.Int);
    this.heap.u32[(obj >>> 2) + 2] = value;
    return obj;
  }

  /** [items…]: a new tracked list holding new references to `items`. */
  list(...items: Addr[]): Addr {
    return this.container(this.List, items);
  }

  /** (items…): a new tracked tuple holding new references to `items`. */
  tuple(...items: Addr[]): Addr {
    return this.container(this.Tuple, items);
  }

  /** A list with `n` empty item slots. */
  emptyList(n: number): Addr {
    const obj = this.heap.alloc(this.List, n);
    this.heap.track(obj);
    return obj;
  }

  /** {k0: v0, k1: v1}; pairs may be omitted. */
  dict(...kv: Addr[]): Addr {
    const obj = this.heap.alloc(this.Dict);
    for (let i = 0; i < kv.length; i++) this.set(obj, i, kv[i]);
    // CPython's dicts start untracked and are tracked on an insertion that may be tracked.
    if (kv.some((v) => this.mayBeTracked(v))) this.heap.track(obj);
    return obj;
  }

  private container(type: number, items: Addr[]): Addr {
    const obj = this.heap.alloc(type, items.length);
    for (let i = 0; i < items.length; i++) this.set(obj, i, items[i]);
    this.heap.track(obj);
    return obj;
  }

  /** Byte offset of reference slot `i` of `obj` (items of lists/tuples, attributes otherwise). */
  offset(obj: Addr, i: number): number {
    const t = this.heap.typeId(obj);
    return t === this.List || t === this.Tuple ? 12 + 4 * i : 8 + 4 * i;
  }

  /** obj[i] = value (value increfed; old value decrefed). value 0 clears the slot. */
  set(obj: Addr, i: number, value: Addr): void {
    if (value !== 0) this.heap.incref(value);
    this.heap.setSlot(obj, this.offset(obj, i), value);
  }

  get(obj: Addr, i: number): Addr {
    return this.heap.getSlot(obj, this.offset(obj, i));
  }

  /** For dicts: track on insertion of a value that may be tracked (dict's MAINTAIN_TRACKING). */
  dictSet(d: Addr, i: number, value: Addr): void {
    this.set(d, i, value);
    if (value !== 0 && !this.heap.isTracked(d) && this.mayBeTracked(value)) this.heap.track(d);
  }

  drop(...objs: Addr[]): void {
    for (const o of objs) this.heap.decref(o);
  }

  collect(generation?: number): number {
    const r = this.collector.collect(generation);
    return r.collected + r.uncollectable;
  }

  live(): number {
    return this.heap.stats().liveObjects;
  }

  /** Every structure's own check. */
  check(): void {
    this.collector.check();
    this.heap.check();
    this.allocator.check();
  }
}
