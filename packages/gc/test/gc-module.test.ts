/*
 * The gc facade over the generational collector: every function, every error row of spec d
 * with its code and CPython's message (3.13 texts, and 3.12's where they differ), and the way
 * missing collector capabilities are reported.
 */
import { describe, expect, it } from 'vitest';
import type { Addr, CollectorCapabilities } from '@pyheap/interface';
import { GenerationalCollector } from '@pyheap/generational';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import {
  DEBUG_COLLECTABLE,
  DEBUG_LEAK,
  DEBUG_SAVEALL,
  DEBUG_STATS,
  DEBUG_UNCOLLECTABLE,
  createGc,
  kwargs,
  type GcModule,
} from '../src/index.js';
import { call, error } from './helpers.js';

function setup(
  collector = new GenerationalCollector({ enabled: false }),
  python: '3.13' | '3.12' = '3.13',
) {
  const heap = new ObjectHeap({ allocator: createPymalloc(), collector, debug: true });
  const gc = createGc(collector, heap, { python });
  const List = heap.registerType({
    name: 'list',
    basicSize: 12,
    itemSize: 4,
    itemsAreRefs: true,
    gc: true,
  });
  const Int = heap.registerType({ name: 'int', basicSize: 12 });
  const Fin = heap.registerType({
    name: 'Lazarus',
    basicSize: 12,
    refOffset: 8,
    refCount: 1,
    gc: true,
    finalize: (h, o) => storage.push((h.incref(o), o)),
  });
  const storage: Addr[] = [];
  const int = (v: number): Addr => {
    const o = heap.alloc(Int);
    heap.u32[(o >>> 2) + 2] = v;
    return o;
  };
  /** [items…] holding new references. */
  const list = (...items: Addr[]): Addr => {
    const o = heap.alloc(List, items.length);
    items.forEach((it, i) => {
      heap.incref(it);
      heap.setSlot(o, 12 + 4 * i, it);
    });
    heap.track(o);
    return o;
  };
  const selfList = (): Addr => {
    const o = heap.alloc(List, 1);
    heap.track(o);
    heap.incref(o);
    heap.setSlot(o, 12, o);
    return o;
  };
  return { heap, gc, collector, list, int, selfList, Fin, storage };
}

describe('gc facade: functions', () => {
  it('enable / disable / isEnabled', () => {
    const { gc } = setup();
    expect(gc.isEnabled()).toBe(false);
    gc.enable();
    expect(gc.isEnabled()).toBe(true);
    gc.disable();
    expect(gc.isEnabled()).toBe(false);
  });

  it('collect returns collected + uncollectable; default generation 2; bool and bigint are ints', () => {
    const { gc, heap, selfList, collector } = setup();
    const l = selfList();
    heap.decref(l);
    expect(gc.collect(0)).toBe(1);
    heap.decref(selfList());
    expect(gc.collect(true)).toBe(1);
    expect(collector.getStats()[1].collections).toBe(1);
    heap.decref(selfList());
    expect(gc.collect(2n)).toBe(1);
    heap.decref(selfList());
    expect(gc.collect(kwargs({ generation: 1 }))).toBe(1);
    expect(gc.collect()).toBe(0);
    expect(gc.getStats().map((s) => s.collections)).toEqual([1, 2, 2]);
  });

  it('getCount / getThreshold / setThreshold', () => {
    const { gc, list } = setup();
    expect(gc.getThreshold()).toEqual([2000, 10, 10]);
    gc.setThreshold(5);
    expect(gc.getThreshold()).toEqual([5, 10, 10]);
    gc.setThreshold(0, -1, 7n);
    expect(gc.getThreshold()).toEqual([0, -1, 7]);
    gc.collect();
    list();
    expect(gc.getCount()).toEqual([1, 0, 0]);
    gc.collect(0);
    expect(gc.getCount()).toEqual([0, 1, 0]);
  });

  it('setDebug / getDebug and the DEBUG_* constants', () => {
    const { gc } = setup();
    expect([
      DEBUG_STATS,
      DEBUG_COLLECTABLE,
      DEBUG_UNCOLLECTABLE,
      DEBUG_SAVEALL,
      DEBUG_LEAK,
    ]).toEqual([1, 2, 4, 32, 38]);
    expect([
      gc.DEBUG_STATS,
      gc.DEBUG_COLLECTABLE,
      gc.DEBUG_UNCOLLECTABLE,
      gc.DEBUG_SAVEALL,
      gc.DEBUG_LEAK,
    ]).toEqual([1, 2, 4, 32, 38]);
    gc.setDebug(-1);
    expect(gc.getDebug()).toBe(-1);
    gc.setDebug(false);
    expect(gc.getDebug()).toBe(0);
  });

  it('getObjects: one generation, all for undefined / null / −1, never frozen objects', () => {
    const { gc, list } = setup();
    const a = list();
    gc.collect(0);
    const b = list();
    expect(gc.getObjects(0)).toEqual([b]);
    expect(gc.getObjects(1)).toEqual([a]);
    expect(gc.getObjects(2)).toEqual([]);
    expect(gc.getObjects()).toEqual([b, a]);
    expect(gc.getObjects(null)).toEqual([b, a]);
    expect(gc.getObjects(-1)).toEqual([b, a]);
    expect(gc.getObjects(kwargs({ generation: 1 }))).toEqual([a]);
    gc.freeze();
    expect(gc.getFreezeCount()).toBe(2);
    expect(gc.getObjects()).toEqual([]);
    gc.unfreeze();
    expect(gc.getFreezeCount()).toBe(0);
    expect(gc.getObjects(2)).toEqual([b, a]);
  });

  it('getReferents: traversal order, argument by argument; non-GC arguments give nothing', () => {
    const w = setup();
    const { gc, list, int } = w;
    const [one, three, five] = [int(1), int(3), int(5)];
    const l = list(one, three, five);
    // The heap's list traverse visits items last to first, as CPython's list_traverse.
    const order = gc.getReferents(l);
    expect(order).toEqual([five, three, one]); // get_referents([2, 3]) == [3, 2]
    const visited: Addr[] = [];
    w.heap.traverse(l, { visit: (r) => visited.push(r) });
    expect(order).toEqual(visited);
    const l2 = list(l);
    expect(gc.getReferents(l2, one, l)).toEqual([l, ...order]);
    expect(gc.getReferents(one)).toEqual([]);
    expect(gc.getReferents()).toEqual([]);
    // A non-GC object is skipped even when it holds references (gc_get_referents_impl
    // looks at GC objects only).
    const Box = w.heap.registerType({ name: 'box', basicSize: 12, refOffset: 8, refCount: 1 });
    const box = w.heap.alloc(Box);
    w.heap.incref(l);
    w.heap.setSlot(box, 8, l);
    const seen: Addr[] = [];
    w.heap.traverse(box, { visit: (r) => seen.push(r) });
    expect(seen).toEqual([l]);
    expect(gc.getReferents(box)).toEqual([]);
  });

  it('getReferrers: tracked objects whose traversal visits any argument, each once', () => {
    const { gc, list, int } = setup();
    const x = int(1);
    const y = list();
    const a = list(x, x);
    const b = list(y);
    list();
    expect(gc.getReferrers(x)).toEqual([a]);
    expect(gc.getReferrers(x, y)).toEqual([a, b]);
    expect(gc.getReferrers()).toEqual([]);
    gc.freeze();
    expect(gc.getReferrers(x)).toEqual([]); // frozen objects are not searched
  });

  it('isTracked / isFinalized', () => {
    const { gc, heap, list, int, Fin, storage } = setup();
    expect(gc.isTracked(int(1))).toBe(false);
    expect(gc.isTracked(list())).toBe(true);
    const untracked = heap.alloc(Fin);
    expect(gc.isTracked(untracked)).toBe(false);
    expect(gc.isFinalized(int(3))).toBe(false);
    const laz = heap.alloc(Fin);
    heap.track(laz);
    expect(gc.isFinalized(laz)).toBe(false);
    heap.decref(laz); // __del__ resurrects it into storage
    expect(storage).toEqual([laz]);
    expect(gc.isFinalized(laz)).toBe(true);
  });

  it('garbage and callbacks are the collector’s own lists; garbage cannot be rebound', () => {
    const { gc, collector, heap, selfList } = setup();
    expect(gc.garbage).toBe(collector.garbage);
    expect(gc.callbacks).toBe(collector.callbacks);
    const phases: string[] = [];
    gc.callbacks.push((phase, info) => phases.push(`${phase}:${info.generation}`));
    gc.setDebug(DEBUG_SAVEALL);
    const l = selfList();
    heap.decref(l);
    expect(gc.collect()).toBe(1);
    expect(gc.garbage).toEqual([l]);
    expect(phases).toEqual(['start:2', 'stop:2']);
    expect(() => {
      (gc as unknown as { garbage: Addr[] }).garbage = [];
    }).toThrow(TypeError);
  });
});

describe('gc facade: errors (spec d)', () => {
  const noArgFns: [keyof GcModule, string][] = [
    ['enable', 'gc.enable'],
    ['disable', 'gc.disable'],
    ['isEnabled', 'gc.isenabled'],
    ['getDebug', 'gc.get_debug'],
    ['getStats', 'gc.get_stats'],
    ['getThreshold', 'gc.get_threshold'],
    ['getCount', 'gc.get_count'],
    ['freeze', 'gc.freeze'],
    ['unfreeze', 'gc.unfreeze'],
    ['getFreezeCount', 'gc.get_freeze_count'],
  ];
  it.each(noArgFns)('%s takes no arguments', (name, qualname) => {
    const { gc } = setup();
    expect(error(() => call(gc, name, 1))).toEqual([
      'E_TYPE_ERROR',
      `${qualname}() takes no arguments (1 given)`,
    ]);
    expect(error(() => call(gc, name, 1, 2))).toEqual([
      'E_TYPE_ERROR',
      `${qualname}() takes no arguments (2 given)`,
    ]);
    expect(error(() => call(gc, name, kwargs({ x: 1 })))).toEqual([
      'E_TYPE_ERROR',
      `${qualname}() takes no keyword arguments`,
    ]);
  });

  it('collect', () => {
    const { gc } = setup();
    const e = (...args: unknown[]) => error(() => call(gc, 'collect', ...args));
    expect(e(3)).toEqual(['E_BAD_GENERATION', 'invalid generation']);
    expect(e(-1)).toEqual(['E_BAD_GENERATION', 'invalid generation']);
    expect(e(null)).toEqual([
      'E_TYPE_ERROR',
      "'NoneType' object cannot be interpreted as an integer",
    ]);
    expect(e(2.0 + 0.5)).toEqual([
      'E_TYPE_ERROR',
      "'float' object cannot be interpreted as an integer",
    ]);
    expect(e('x')).toEqual(['E_TYPE_ERROR', "'str' object cannot be interpreted as an integer"]);
    expect(e([])).toEqual(['E_TYPE_ERROR', "'list' object cannot be interpreted as an integer"]);
    expect(e(2 ** 31)).toEqual(['E_OVERFLOW', 'Python int too large to convert to C int']);
    expect(e(-(2 ** 31) - 1)).toEqual(['E_OVERFLOW', 'Python int too large to convert to C int']);
    expect(e(2n ** 64n)).toEqual(['E_OVERFLOW', 'Python int too large to convert to C int']);
    expect(e(2 ** 31 - 1)).toEqual(['E_BAD_GENERATION', 'invalid generation']);
    expect(e(1, 2)).toEqual(['E_TYPE_ERROR', 'collect() takes at most 1 argument (2 given)']);
    expect(e(1, kwargs({ generation: 1 }))).toEqual([
      'E_TYPE_ERROR',
      'collect() takes at most 1 argument (2 given)',
    ]);
    expect(e(kwargs({ generation: 1, x: 2 }))).toEqual([
      'E_TYPE_ERROR',
      'collect() takes at most 1 keyword argument (2 given)',
    ]);
    expect(e(kwargs({ gen: 1 }))).toEqual([
      'E_TYPE_ERROR',
      "collect() got an unexpected keyword argument 'gen'",
    ]);
    expect(e(kwargs({ generation: 5 }))).toEqual(['E_BAD_GENERATION', 'invalid generation']);
  });

  it('set_debug', () => {
    const { gc } = setup();
    const e = (...args: unknown[]) => error(() => call(gc, 'setDebug', ...args));
    expect(e()).toEqual(['E_TYPE_ERROR', 'gc.set_debug() takes exactly one argument (0 given)']);
    expect(e(1, 2)).toEqual([
      'E_TYPE_ERROR',
      'gc.set_debug() takes exactly one argument (2 given)',
    ]);
    expect(e(kwargs({ flags: 1 }))).toEqual([
      'E_TYPE_ERROR',
      'gc.set_debug() takes no keyword arguments',
    ]);
    expect(e('1')).toEqual(['E_TYPE_ERROR', "'str' object cannot be interpreted as an integer"]);
    expect(e(2 ** 31)).toEqual(['E_OVERFLOW', 'Python int too large to convert to C int']);
    expect(gc.getDebug()).toBe(0);
  });

  it('get_objects', () => {
    const { gc } = setup();
    const e = (...args: unknown[]) => error(() => call(gc, 'getObjects', ...args));
    const tooBig = 'generation parameter must be less than the number of available generations (3)';
    expect(e(3)).toEqual(['E_BAD_GENERATION', tooBig]);
    expect(e(1000)).toEqual(['E_BAD_GENERATION', tooBig]);
    expect(e(-2)).toEqual(['E_BAD_GENERATION', 'generation parameter cannot be negative']);
    expect(e(-1000)).toEqual(['E_BAD_GENERATION', 'generation parameter cannot be negative']);
    expect(e('1')).toEqual(['E_TYPE_ERROR', "argument should be integer or None, not 'str'"]);
    expect(e(1.234)).toEqual(['E_TYPE_ERROR', "argument should be integer or None, not 'float'"]);
    expect(e(2n ** 70n)).toEqual(['E_OVERFLOW', "cannot fit 'int' into an index-sized integer"]);
    expect(e(1, 2)).toEqual(['E_TYPE_ERROR', 'get_objects() takes at most 1 argument (2 given)']);
    expect(e(kwargs({ g: 1 }))).toEqual([
      'E_TYPE_ERROR',
      "get_objects() got an unexpected keyword argument 'g'",
    ]);
  });

  it('set_threshold (3.13 texts)', () => {
    const { gc } = setup();
    const e = (...args: unknown[]) => error(() => call(gc, 'setThreshold', ...args));
    expect(e()).toEqual(['E_TYPE_ERROR', 'gc.set_threshold requires 1 to 3 arguments']);
    expect(e(1, 2, 3, 4)).toEqual(['E_TYPE_ERROR', 'gc.set_threshold requires 1 to 3 arguments']);
    expect(e(kwargs({ threshold0: 1 }))).toEqual([
      'E_TYPE_ERROR',
      'set_threshold() takes no keyword arguments',
    ]);
    expect(e('x')).toEqual(['E_TYPE_ERROR', "'str' object cannot be interpreted as an integer"]);
    expect(e(1, 1.5)).toEqual([
      'E_TYPE_ERROR',
      "'float' object cannot be interpreted as an integer",
    ]);
    expect(e(2 ** 31)).toEqual(['E_BAD_THRESHOLD', 'signed integer is greater than maximum']);
    expect(e(1, -(2 ** 31) - 1)).toEqual([
      'E_BAD_THRESHOLD',
      'signed integer is less than minimum',
    ]);
    expect(gc.getThreshold()).toEqual([2000, 10, 10]); // nothing changed by the failed calls
  });

  it('set_threshold (3.12 texts)', () => {
    const { gc } = setup(undefined, '3.12');
    const e = (...args: unknown[]) => error(() => call(gc, 'setThreshold', ...args));
    expect(e()).toEqual(['E_TYPE_ERROR', 'set_threshold() takes at least 1 argument (0 given)']);
    expect(e(1, 2, 3, 4)).toEqual([
      'E_TYPE_ERROR',
      'set_threshold() takes at most 3 arguments (4 given)',
    ]);
  });

  it('get_referrers / get_referents: no keyword arguments', () => {
    const { gc } = setup();
    expect(error(() => call(gc, 'getReferrers', kwargs({ x: 1 })))).toEqual([
      'E_TYPE_ERROR',
      'gc.get_referrers() takes no keyword arguments',
    ]);
    expect(error(() => call(gc, 'getReferrers', 8, kwargs({ x: 1 })))).toEqual([
      'E_TYPE_ERROR',
      'gc.get_referrers() takes no keyword arguments',
    ]);
    expect(error(() => call(gc, 'getReferents', kwargs({ x: 1 })))).toEqual([
      'E_TYPE_ERROR',
      'gc.get_referents() takes no keyword arguments',
    ]);
    const old = setup(undefined, '3.12').gc;
    expect(error(() => call(old, 'getReferents', kwargs({ x: 1 })))).toEqual([
      'E_TYPE_ERROR',
      'get_referents() takes no keyword arguments',
    ]);
    expect(error(() => call(old, 'getReferrers', kwargs({ x: 1 })))).toEqual([
      'E_TYPE_ERROR',
      'get_referrers() takes no keyword arguments',
    ]);
    expect(error(() => call(gc, 'getReferents', 'x'))[0]).toBe('E_NOT_A_NUMBER');
    expect(error(() => call(gc, 'getReferrers', -8))[0]).toBe('E_INVALID_ADDRESS');
  });

  it.each([
    ['isTracked', 'gc.is_tracked'],
    ['isFinalized', 'gc.is_finalized'],
  ] as [keyof GcModule, string][])('%s takes exactly one positional argument', (name, qualname) => {
    const { gc } = setup();
    expect(error(() => call(gc, name))).toEqual([
      'E_TYPE_ERROR',
      `${qualname}() takes exactly one argument (0 given)`,
    ]);
    expect(error(() => call(gc, name, 8, 16))).toEqual([
      'E_TYPE_ERROR',
      `${qualname}() takes exactly one argument (2 given)`,
    ]);
    expect(error(() => call(gc, name, kwargs({ obj: 8 })))).toEqual([
      'E_TYPE_ERROR',
      `${qualname}() takes no keyword arguments`,
    ]);
  });

  it('bad options', () => {
    const c = new GenerationalCollector();
    const heap = new ObjectHeap({ allocator: createPymalloc(), collector: c });
    expect(error(() => createGc(c, heap, { python: '3.9' as '3.12' }))[0]).toBe(
      'E_INVALID_ARGUMENT',
    );
  });
});

describe('gc facade: collector capabilities', () => {
  /** The generational collector with some capabilities switched off (a real collector). */
  class Reduced extends GenerationalCollector {
    override readonly capabilities: CollectorCapabilities;
    constructor(caps: Partial<CollectorCapabilities>) {
      super({ enabled: false });
      this.capabilities = {
        generations: 3,
        thresholds: true,
        freeze: true,
        enumerate: true,
        ...caps,
      };
    }
  }

  it('no freeze: freeze/unfreeze raise E_UNSUPPORTED; nothing is frozen', () => {
    const { gc } = setup(new Reduced({ freeze: false }));
    expect(error(() => gc.freeze())).toEqual([
      'E_UNSUPPORTED',
      "gc.freeze() is not supported by the 'generational' collector (no freeze capability)",
    ]);
    expect(error(() => gc.unfreeze())[0]).toBe('E_UNSUPPORTED');
    expect(gc.getFreezeCount()).toBe(0);
  });

  it('no enumeration: get_objects / get_referrers raise E_UNSUPPORTED (argument errors first)', () => {
    const { gc, list } = setup(new Reduced({ enumerate: false }));
    const l = list();
    expect(error(() => gc.getObjects())[0]).toBe('E_UNSUPPORTED');
    expect(error(() => gc.getObjects(5))[0]).toBe('E_BAD_GENERATION');
    expect(error(() => gc.getReferrers(l))[0]).toBe('E_UNSUPPORTED');
    expect(gc.getReferents(l)).toEqual([]); // needs only the space
  });

  it('no thresholds: get/set_threshold raise E_UNSUPPORTED', () => {
    const { gc } = setup(new Reduced({ thresholds: false }));
    expect(error(() => gc.getThreshold())[0]).toBe('E_UNSUPPORTED');
    expect(error(() => gc.setThreshold(1))[0]).toBe('E_UNSUPPORTED');
    expect(error(() => call(gc, 'setThreshold', 'x'))[0]).toBe('E_TYPE_ERROR');
  });

  it('one generation: every valid Python generation collects it; generations it lacks are empty', () => {
    const { gc, heap, selfList, collector } = setup(new Reduced({ generations: 1 }));
    heap.decref(selfList());
    expect(gc.collect(2)).toBe(1);
    expect(collector.getStats().map((s) => s.collections)).toEqual([1, 0, 0]);
    expect(error(() => gc.collect(3))[0]).toBe('E_BAD_GENERATION');
    expect(gc.getObjects(1)).toEqual([]);
    expect(gc.getObjects(2)).toEqual([]);
    gc.setThreshold(5, 6, 7); // only threshold0 reaches a 1-generation collector
    expect(collector.getThreshold()).toEqual([5, 10, 10]);
  });
});
