/**
 * Classes and instances: attributes, __slots__, PEP 442 finalizers (once, resurrection),
 * legacy tp_del, and weak reference callbacks on refcount death (spec b.4–b.6).
 */
import type { Addr } from '@pyheap/interface';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { codeOf, expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;
let unraisable: string[];

beforeEach(() => {
  unraisable = [];
  ({ rt, base } = setup({ unraisableHook: (e, ctx) => unraisable.push(`${ctx}: ${String(e)}`) }));
});
afterEach(() => expectBaseline(rt, base));

describe('attributes', () => {
  it('setattr/getattr/delattr through the attribute dict', () => {
    const C = rt.cls.new('Point');
    expect(rt.cls.name(C)).toBe('Point');
    const p = rt.instance.new(C);
    const x = rt.int.new(1000);
    expect(rt.instance.setAttr(p, 'x', x)).toBe(true);
    expect(rt.instance.getAttr(p, 'x')).toBe(x);
    expect(rt.instance.hasAttr(p, 'y')).toBe(false);
    expect(codeOf(() => rt.instance.getAttr(p, 'y'))).toBe('E_ATTRIBUTE_ERROR');
    expect(() => rt.instance.getAttr(p, 'y')).toThrow("'Point' object has no attribute 'y'");
    // A str object works as a name too, and finds the same attribute.
    const name = rt.str.new('x');
    expect(rt.instance.getAttr(p, name)).toBe(x);
    rt.instance.delAttr(p, 'x');
    expect(codeOf(() => rt.instance.delAttr(p, 'x'))).toBe('E_ATTRIBUTE_ERROR');
    expect(rt.refcnt(x)).toBe(1);
    expect(rt.instance.classOf(p)).toBe(C);
    expect(rt.instance.isInstance(p, C)).toBe(true);
    expect(rt.typeName(p)).toBe('Point');
    for (const o of [x, name, p, C]) rt.decref(o);
  });

  it('the attribute names are interned, immortal strs', () => {
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    rt.instance.setAttr(c, 'attr_name', rt.None);
    const d = rt.instance.dict(c); // NEW reference
    const key = rt.dict.keys(d)[0];
    expect(rt.str.isInterned(key)).toBe(true);
    expect(rt.isImmortal(key)).toBe(true);
    expect(rt.str.intern('attr_name')).toBe(key);
    expect(rt.refcnt(d)).toBe(2);
    rt.decref(d);
    rt.decref(c);
    rt.decref(C);
  });

  it("tp_clear (the collector's) drops slots and the dict but keeps __class__ (subtype_clear)", () => {
    const C = rt.cls.new('C', { slots: ['a', '__dict__'] });
    const c = rt.instance.new(C);
    const x = rt.list.new();
    rt.instance.setAttr(c, 'a', x);
    rt.instance.setAttr(c, 'b', x);
    expect(rt.refcnt(x)).toBe(3);
    rt.heap.clear(c);
    expect(rt.refcnt(x)).toBe(1);
    expect(rt.instance.lookupAttr(c, 'a')).toBe(0);
    expect(rt.instance.lookupAttr(c, 'b')).toBe(0);
    expect(rt.instance.classOf(c)).toBe(C);
    expect(rt.refcnt(C)).toBe(2); // ours and the instance's
    rt.checkObject(c);
    for (const o of [x, c, C]) rt.decref(o);
  });

  it('__slots__: fixed slots, no dict, not weakrefable unless named', () => {
    const S = rt.cls.new('S', { slots: ['a', 'b'] });
    const s = rt.instance.new(S);
    const v = rt.float.new(2.5);
    rt.instance.setAttr(s, 'b', v);
    expect(rt.instance.getAttr(s, 'b')).toBe(v);
    expect(codeOf(() => rt.instance.getAttr(s, 'a'))).toBe('E_ATTRIBUTE_ERROR'); // unset slot
    expect(codeOf(() => rt.instance.setAttr(s, 'c', v))).toBe('E_ATTRIBUTE_ERROR');
    expect(codeOf(() => rt.instance.dict(s))).toBe('E_ATTRIBUTE_ERROR');
    expect(codeOf(() => rt.weakref.new(s))).toBe('E_TYPE_ERROR');
    expect(() => rt.weakref.new(s)).toThrow("cannot create weak reference to 'S' object");
    expect(rt.refcnt(v)).toBe(2);
    rt.instance.delAttr(s, 'b');
    expect(rt.refcnt(v)).toBe(1);
    rt.instance.setAttr(s, 'a', v);
    const W = rt.cls.new('W', { slots: ['a', '__dict__', '__weakref__'] });
    const w = rt.instance.new(W);
    rt.instance.setAttr(w, 'extra', v); // goes to the dict
    const wr = rt.weakref.new(w);
    expect(rt.refcnt(v)).toBe(3);
    for (const o of [s, S, wr, w, W]) rt.decref(o);
    expect(rt.refcnt(v)).toBe(1);
    rt.decref(v);
  });

  it('a linked chain of 100,000 slot instances is freed without recursion', () => {
    const Node = rt.cls.new('Node', { slots: ['next'] });
    let head = rt.instance.new(Node);
    for (let i = 0; i < 100_000; i++) {
      const n = rt.instance.new(Node);
      rt.instance.setAttr(n, 'next', head);
      rt.decref(head);
      head = n;
    }
    expect(rt.refcnt(Node)).toBe(100_002);
    rt.decref(head);
    expect(rt.refcnt(Node)).toBe(1);
    rt.decref(Node);
  });
});

describe('finalizers (PEP 442) and weakref callbacks on refcount death', () => {
  it('__del__ runs once, before the weakref callbacks, which run newest first', () => {
    const order: string[] = [];
    let selfSeen: Addr = 0;
    const C = rt.cls.new('C', {
      finalize: (r, self) => {
        selfSeen = self;
        // While __del__ runs, weakrefs are still alive (b.4 step 3).
        order.push(`del alive=${r.weakref.alive(w1)}`);
      },
    });
    const c = rt.instance.new(C);
    const w1 = rt.weakref.new(c, (r, wr) => order.push(`cb1 dead=${r.weakref.get(wr) === r.None}`));
    const w2 = rt.weakref.new(c, () => order.push('cb2'));
    const w3 = rt.weakref.new(c, () => order.push('cb3'));
    expect(rt.weakref.count(c)).toBe(3);
    rt.decref(c);
    expect(selfSeen).toBe(c);
    expect(order).toEqual(['del alive=true', 'cb3', 'cb2', 'cb1 dead=true']);
    expect(rt.stats().heap.finalizersCalled).toBe(1);
    for (const o of [w1, w2, w3, C]) rt.decref(o);
  });

  it('resurrection: the finalizer stores self; it survives and is not finalized again', () => {
    const saved = rt.list.new();
    let calls = 0;
    const C = rt.cls.new('Phoenix', {
      finalize: (r, self) => {
        calls++;
        r.list.append(saved, self); // a new reference: resurrected
      },
    });
    const c = rt.instance.new(C);
    const v = rt.str.new('payload!');
    rt.instance.setAttr(c, 'v', v);
    rt.decref(c);
    expect(calls).toBe(1);
    expect(rt.list.len(saved)).toBe(1);
    expect(rt.refcnt(c)).toBe(1); // only the list's reference
    expect(rt.isFinalized(c)).toBe(true);
    expect(rt.instance.getAttr(c, 'v')).toBe(v); // intact
    expect(rt.stats().heap.resurrections).toBe(1);
    rt.list.clear(saved); // dies again: no second __del__
    expect(calls).toBe(1);
    expect(rt.refcnt(v)).toBe(1);
    for (const o of [v, saved, C]) rt.decref(o);
  });

  it('exceptions in __del__ and callbacks go to the unraisable hook; the rest still runs', () => {
    const C = rt.cls.new('Bad', {
      finalize: () => {
        throw new Error('boom in __del__');
      },
    });
    const c = rt.instance.new(C);
    let ran = false;
    const w1 = rt.weakref.new(c, () => {
      ran = true;
    });
    const w2 = rt.weakref.new(c, () => {
      throw new Error('boom in callback');
    });
    rt.decref(c);
    expect(ran).toBe(true);
    expect(unraisable.length).toBe(2);
    expect(unraisable[0]).toContain('boom in __del__');
    expect(unraisable[1]).toContain('boom in callback');
    for (const o of [w1, w2, C]) rt.decref(o);
  });

  it('legacy tp_del runs after the weakref callbacks and can resurrect too', () => {
    const order: string[] = [];
    const keep = rt.list.new();
    let resurrect = true;
    const C = rt.cls.new('Legacy', {
      legacyDel: (r, self) => {
        order.push('tp_del');
        if (resurrect) r.list.append(keep, self);
      },
    });
    const c = rt.instance.new(C);
    const w = rt.weakref.new(c, () => order.push('callback'));
    rt.decref(c);
    expect(order).toEqual(['callback', 'tp_del']);
    expect(rt.refcnt(c)).toBe(1);
    resurrect = false;
    rt.list.clear(keep); // legacy finalizers run on every death (no FINALIZED bit for tp_del)
    expect(order).toEqual(['callback', 'tp_del', 'tp_del']);
    for (const o of [w, keep, C]) rt.decref(o);
  });

  it('a finalizer sees its attributes intact and can read other objects', () => {
    let seen: unknown = null;
    const C = rt.cls.new('C', {
      finalize: (r, self) => {
        seen = r.toJS(r.instance.getAttr(self, 'data'));
      },
    });
    const c = rt.instance.new(C);
    const data = rt.fromJS({ a: [1, 2], b: 'x' });
    rt.instance.setAttr(c, 'data', data);
    rt.decref(data);
    rt.decref(c);
    expect(seen).toEqual(
      new Map<unknown, unknown>([
        ['a', [1, 2]],
        ['b', 'x'],
      ]),
    );
    rt.decref(C);
  });

  it('weakrefs: shared callback-less ref, dead ref yields None, classes are weakrefable', () => {
    const C = rt.cls.new('C');
    const wc = rt.weakref.new(C);
    const c = rt.instance.new(C);
    const w = rt.weakref.new(c);
    expect(rt.weakref.get(w)).toBe(c);
    expect(rt.weakref.check(w)).toBe(true);
    rt.decref(c);
    expect(rt.weakref.get(w)).toBe(rt.None);
    expect(rt.weakref.alive(w)).toBe(false);
    for (const atom of [rt.int.new(1), rt.str.new('s'), rt.None]) {
      expect(codeOf(() => rt.weakref.new(atom))).toBe('E_TYPE_ERROR');
    }
    const l = rt.list.new();
    expect(() => rt.weakref.new(l)).toThrow("cannot create weak reference to 'list' object");
    rt.decref(l);
    rt.decref(w);
    rt.decref(C);
    expect(rt.weakref.alive(wc)).toBe(false);
    rt.decref(wc);
  });
});
