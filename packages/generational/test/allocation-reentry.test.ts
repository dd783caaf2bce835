/*
 * Automatic collections that run inside an allocation (schedule 'allocation', CPython 3.11's
 * model, docs/decisions/0013) while an object-model operation is half done. Every test arms
 * a garbage cycle whose __del__ mutates the graph the operation works on, then lets the
 * operation's own GC allocation trigger the collection (threshold0 = −1: every GC allocation
 * collects). The operation must finish consistently: rt.check() walks every tracked object,
 * and the heap runs in debug mode (any use of a freed object throws).
 */
import { describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { createPymalloc } from '@pyheap/pymalloc';
import { LinearMemory } from '@pyheap/memory';
import { PyRuntime } from '@pyheap/objects';
import { GenerationalCollector } from '../src/index.js';

interface Env {
  rt: PyRuntime;
  gc: GenerationalCollector;
  unraisable: unknown[];
  /**
   * Leave a self-referencing instance whose __del__ is `del` as garbage, and make the next
   * GC allocation collect it (threshold0 = −1, automatic collection on).
   */
  arm(del: () => void): void;
  /** How many times an armed __del__ ran. */
  fired(): number;
}

function env(smallMemory = false, freeLists = true): Env {
  const gc = new GenerationalCollector({ enabled: false, debug: true });
  const unraisable: unknown[] = [];
  const rt = new PyRuntime({
    allocator: smallMemory
      ? createPymalloc({ memory: new LinearMemory({ initialBytes: 65536 }) })
      : undefined,
    collector: gc,
    debug: true,
    unraisableHook: (e) => unraisable.push(e),
    freeLists,
  });
  let action: (() => void) | null = null;
  let fired = 0;
  const Trap = rt.cls.new('Trap', {
    finalize: () => {
      fired++;
      const a = action;
      action = null;
      a?.();
    },
  });
  const arm = (del: () => void): void => {
    action = del;
    const t = rt.instance.new(Trap);
    rt.instance.setAttr(t, 'me', t);
    rt.decref(t);
    gc.setThreshold(-1);
    gc.enable();
  };
  return { rt, gc, unraisable, arm, fired: () => fired };
}

/** Automatic collection off again, then a full check of everything. */
function settle({ rt, gc, unraisable }: Env): void {
  gc.disable();
  gc.setThreshold(2000);
  expect(unraisable).toEqual([]);
  rt.check();
  gc.check();
}

describe('collections inside allocations see consistent objects', () => {
  it("weakref.ref(x) whose allocation runs a __del__ making weakref.ref(x): one shared weakref (PyWeakref_NewRef's re-check)", () => {
    const e = env();
    const { rt } = e;
    const C = rt.cls.new('C');
    const x = rt.instance.new(C);
    let made: Addr = 0;
    e.arm(() => (made = rt.weakref.new(x)));
    const wr = rt.weakref.new(x);
    expect(e.fired()).toBe(1);
    expect(wr).toBe(made);
    expect(rt.weakref.count(x)).toBe(1);
    expect(rt.refcnt(wr)).toBe(2);
    settle(e);
    for (const o of [wr, made, x, C]) rt.decref(o);
    expect(rt.collect().collected).toBe(0);
    rt.check();
  });

  it('setattr creating the attribute dict, whose allocation runs a __del__ that sets another attribute', () => {
    const e = env();
    const { rt } = e;
    const C = rt.cls.new('C');
    const x = rt.instance.new(C);
    const one = rt.str.new('one');
    const two = rt.str.new('two');
    e.arm(() => rt.instance.setAttr(x, 'a', one)); // gives x its dict meanwhile
    expect(rt.instance.setAttr(x, 'b', two)).toBe(true);
    expect(e.fired()).toBe(1);
    expect(rt.instance.getAttr(x, 'a')).toBe(one);
    expect(rt.instance.getAttr(x, 'b')).toBe(two);
    expect(rt.refcnt(one)).toBe(2);
    settle(e);
    for (const o of [x, one, two, C]) rt.decref(o);
  });

  it('obj.__dict__ created while a __del__ gives obj a dict: the same dict is handed out', () => {
    const e = env();
    const { rt } = e;
    const C = rt.cls.new('C');
    const x = rt.instance.new(C);
    e.arm(() => rt.instance.setAttr(x, 'a', rt.None));
    const d = rt.instance.dict(x);
    expect(e.fired()).toBe(1);
    expect(rt.dict.len(d)).toBe(1);
    expect(rt.instance.lookupAttr(x, 'a')).toBe(rt.None);
    expect(rt.refcnt(d)).toBe(2);
    settle(e);
    for (const o of [d, x, C]) rt.decref(o);
  });

  it('d.copy() whose new dict allocation runs a __del__ that changes d: the copy is of d after the change', () => {
    const e = env();
    const { rt } = e;
    const d = rt.fromJS(
      new Map<unknown, unknown>([
        ['a', 1],
        ['b', []],
        ['c', 3],
      ]),
    );
    const b = rt.str.new('b');
    const z = rt.str.new('z');
    e.arm(() => {
      rt.dict.delete(d, b); // frees the list
      rt.dict.set(d, z, rt.None);
    });
    const c = rt.dict.copy(d);
    expect(e.fired()).toBe(1);
    expect(rt.toJS(c)).toEqual(
      new Map<unknown, unknown>([
        ['a', 1],
        ['c', 3],
        ['z', null],
      ]),
    );
    settle(e);
    for (const o of [c, d, b, z]) rt.decref(o);
  });

  it('a tuple under construction (NULL items) is traversed and kept by collections run while it is filled', () => {
    const e = env();
    const { rt, gc } = e;
    const t = rt.tuple.alloc(3);
    const first = rt.list.new();
    rt.tuple.init(t, 0, first); // t = ([], NULL, NULL), t holds the only reference
    let sawPartial = false;
    e.arm(() => {
      sawPartial = gc.isTracked(t) && rt.tuple.items(t)[1] === 0;
    });
    rt.tuple.init(t, 1, rt.list.new()); // this list's allocation collects
    expect(e.fired()).toBe(1);
    expect(sawPartial).toBe(true);
    rt.tuple.init(t, 2, rt.list.new()); // and this one collects t's generation again
    expect(gc.isTracked(t)).toBe(true);
    expect(rt.list.check(rt.tuple.get(t, 0))).toBe(true);
    settle(e);
    rt.decref(t);
  });

  it('fromJS of a nested, self-containing structure with a collection at every container', () => {
    const e = env(true);
    const { rt, gc } = e;
    const outer: unknown[] = [];
    const inner = { k: outer, t: Object.freeze([[], 'x'.repeat(3000), new Map([[1, outer]])]) };
    outer.push(inner, [[[]]], outer);
    const victims = rt.list.new();
    e.arm(() => {
      // Churn while the conversion is half done: allocate (grow the memory) and free.
      for (let k = 0; k < 50; k++) {
        const big = rt.str.new('y'.repeat(20_000));
        rt.list.append(victims, big);
        rt.decref(big);
      }
      rt.list.clear(victims);
    });
    const before = gc.getStats().reduce((s, g) => s + g.collections, 0);
    const obj = rt.fromJS(outer);
    expect(e.fired()).toBe(1);
    expect(gc.getStats().reduce((s, g) => s + g.collections, 0) - before).toBeGreaterThan(5);
    const back = rt.toJS(obj) as unknown[];
    expect(back[2]).toBe(back);
    expect((back[0] as Map<string, unknown>).get('k')).toBe(back);
    settle(e);
    rt.decref(obj);
    rt.decref(victims);
    expect(rt.collect().collected).toBeGreaterThan(0);
    rt.check();
  });

  it('deallocation whose __del__ allocates: waiting parents are invisible to the collection it runs', () => {
    // Free lists off: each list.new() in __del__ is then a GC allocation, and collects.
    const e = env(false, false);
    const { rt, gc } = e;
    const log: number[] = [];
    const D = rt.cls.new('D', {
      finalize: () => {
        const l = rt.list.new(); // collects (threshold −1) in the middle of the cascade
        log.push(gc.getStats()[0].collections);
        rt.decref(l);
      },
    });
    // l = [[d0, [d1, [d2, …]]]]: each __del__ runs while its holders wait on the work stack.
    let l = rt.list.new();
    for (let k = 0; k < 80; k++) {
      const d = rt.instance.new(D);
      const next = rt.list.new([d, l]);
      rt.decref(d);
      rt.decref(l);
      l = next;
    }
    gc.setThreshold(-1);
    gc.enable();
    rt.decref(l);
    expect(log.length).toBe(80);
    expect(log[79]).toBeGreaterThan(log[0]);
    settle(e);
    expect(gc.getObjects().map((o) => rt.repr(o))).toEqual(["<class 'Trap'>", "<class 'D'>"]);
    expect(rt.stats().heap.liveGcObjects).toBe(3); // and the immortal, untracked ()
  });
});
