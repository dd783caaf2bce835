/**
 * Property test: random object graphs without cycles (a container only ever holds objects
 * older than itself) built and torn down by random operations, against a plain JS model of
 * who holds what. After every step every live object's refcount equals the model's count
 * (references we hold + container slots), every container matches the model and passes
 * checkObject; at the end everything is freed and the allocator is back at its baseline.
 */
import fc from 'fast-check';
import type { Addr } from '@pyheap/interface';
import { describe, expect, it } from 'vitest';
import { createPymalloc } from '@pyheap/pymalloc';
import type { PyRuntime, PyRuntimeOpts } from '../src/index.js';
import { TrackingCollector, expectBaseline, setup } from './helpers.js';

type Kind = 'int' | 'float' | 'str' | 'bytes' | 'tuple' | 'list' | 'dict' | 'inst';

interface MObj {
  id: number;
  addr: Addr;
  kind: Kind;
  /** Atom value (int/float: number; str: string; bytes: string of its bytes). */
  value?: number | string;
  /** tuple items / list items (ids). */
  items: number[];
  /** dict entries [key id, value id] in order; instance attributes name → id. */
  entries: [number, number][];
  attrs: Map<string, number>;
  held: number;
  alive: boolean;
  /** An instance whose attribute dict exists (one more heap object). */
  dictMade?: boolean;
  /** A dict that ever held a key or value that may be tracked (MAINTAIN_TRACKING). */
  tracked?: boolean;
}

const op = fc.record({
  kind: fc.integer({ min: 0, max: 13 }),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  v: fc.integer({ min: 1000, max: 1010 }),
});

const NAMES = ['x', 'y', 'z'];

class Model {
  readonly objs: MObj[] = [];
  constructor(
    readonly rt: PyRuntime,
    readonly cls: Addr,
  ) {}

  live(): MObj[] {
    return this.objs.filter((o) => o.alive);
  }

  pick(n: number, pred: (o: MObj) => boolean = () => true): MObj | undefined {
    const c = this.live().filter(pred);
    return c.length === 0 ? undefined : c[n % c.length];
  }

  add(addr: Addr, kind: Kind, extra: Partial<MObj> = {}): MObj {
    expect(addr).not.toBe(0);
    const o: MObj = {
      id: this.objs.length,
      addr,
      kind,
      items: [],
      entries: [],
      attrs: new Map(),
      held: 1,
      alive: true,
      ...extra,
    };
    this.objs.push(o);
    return o;
  }

  hashable(o: MObj): boolean {
    if (o.kind === 'list' || o.kind === 'dict') return false;
    if (o.kind === 'tuple') return o.items.every((i) => this.hashable(this.objs[i]));
    return true;
  }

  /** Python == for hashable model objects. */
  eq(a: MObj, b: MObj): boolean {
    if (a === b) return true;
    const num = (o: MObj): boolean => o.kind === 'int' || o.kind === 'float';
    if (num(a) && num(b)) return a.value === b.value;
    if (a.kind !== b.kind) return false;
    if (a.kind === 'str' || a.kind === 'bytes') return a.value === b.value;
    if (a.kind === 'tuple') {
      return (
        a.items.length === b.items.length &&
        a.items.every((x, k) => this.eq(this.objs[x], this.objs[b.items[k]]))
      );
    }
    return false;
  }

  /** Model refcount: references held plus container slots pointing here. */
  expectedRefcnt(o: MObj): number {
    let n = o.held;
    for (const p of this.live()) {
      for (const i of p.items) if (i === o.id) n++;
      for (const [k, v] of p.entries) n += (k === o.id ? 1 : 0) + (v === o.id ? 1 : 0);
      for (const v of p.attrs.values()) if (v === o.id) n++;
    }
    return n;
  }

  /** Mark dead everything whose count reached 0 (cascading, as the heap does). */
  reap(): void {
    for (let changed = true; changed;) {
      changed = false;
      for (const o of this.live()) {
        if (this.expectedRefcnt(o) === 0) {
          o.alive = false;
          changed = true;
        }
      }
    }
  }

  verify(): void {
    const rt = this.rt;
    for (const o of this.live()) {
      expect(rt.refcnt(o.addr)).toBe(this.expectedRefcnt(o));
      rt.checkObject(o.addr);
      const tracked =
        o.kind === 'dict' ? o.tracked === true : ['tuple', 'list', 'inst'].includes(o.kind);
      expect(rt.isTracked(o.addr)).toBe(tracked);
      if (o.kind === 'list')
        expect(rt.list.items(o.addr)).toEqual(o.items.map((i) => this.objs[i].addr));
      if (o.kind === 'dict') {
        expect(rt.dict.keys(o.addr)).toEqual(o.entries.map(([k]) => this.objs[k].addr));
        expect(rt.dict.values(o.addr)).toEqual(o.entries.map(([, v]) => this.objs[v].addr));
      }
      if (o.kind === 'inst') {
        for (const n of NAMES) {
          const want = o.attrs.get(n);
          expect(rt.instance.lookupAttr(o.addr, n)).toBe(
            want === undefined ? 0 : this.objs[want].addr,
          );
        }
      }
    }
  }
}

function step(m: Model, s: { kind: number; a: number; b: number; c: number; v: number }): void {
  const rt = m.rt;
  const older = (than: MObj) => (o: MObj) => o.id < than.id;
  switch (s.kind) {
    case 0:
      m.add(rt.int.new(s.v), 'int', { value: s.v });
      break;
    case 1:
      m.add(rt.float.new(s.v + (s.a % 2) * 0.5), 'float', { value: s.v + (s.a % 2) * 0.5 });
      break;
    case 2:
      m.add(rt.str.new(`s${s.v}`), 'str', { value: `s${s.v}` });
      break;
    case 3:
      m.add(rt.bytes.new([s.v & 0xff, 7]), 'bytes', { value: `${s.v & 0xff},7` });
      break;
    case 4: {
      const items = [m.pick(s.a), m.pick(s.b)].filter((o): o is MObj => o !== undefined);
      if (items.length === 0) break;
      m.add(rt.tuple.new(items.map((o) => o.addr)), 'tuple', { items: items.map((o) => o.id) });
      break;
    }
    case 5: {
      const items = [m.pick(s.a), m.pick(s.c)]
        .filter((o): o is MObj => o !== undefined)
        .slice(0, s.b % 3);
      m.add(rt.list.new(items.map((o) => o.addr)), 'list', { items: items.map((o) => o.id) });
      break;
    }
    case 6:
      m.add(rt.dict.new(), 'dict');
      break;
    case 7:
      m.add(rt.instance.new(m.cls), 'inst');
      break;
    case 8: {
      const l = m.pick(s.a, (o) => o.kind === 'list');
      const x = l && m.pick(s.b, older(l));
      if (!l || !x) break;
      if (s.c % 2 === 0) {
        expect(rt.list.append(l.addr, x.addr)).toBe(true);
        l.items.push(x.id);
      } else {
        const at = l.items.length === 0 ? 0 : s.v % (l.items.length + 1);
        expect(rt.list.insert(l.addr, at, x.addr)).toBe(true);
        l.items.splice(at, 0, x.id);
      }
      break;
    }
    case 9: {
      const l = m.pick(s.a, (o) => o.kind === 'list' && o.items.length > 0);
      if (!l) break;
      const at = s.b % l.items.length;
      if (s.c % 2 === 0) {
        rt.decref(rt.list.pop(l.addr, at));
        l.items.splice(at, 1);
      } else {
        const x = m.pick(s.v, older(l));
        if (!x) break;
        rt.list.set(l.addr, at, x.addr);
        l.items[at] = x.id;
      }
      break;
    }
    case 10: {
      const d = m.pick(s.a, (o) => o.kind === 'dict');
      const k = d && m.pick(s.b, older(d));
      const v = d && m.pick(s.c, older(d));
      if (!d || !k || !v) break;
      if (!m.hashable(k)) {
        expect(() => rt.dict.set(d.addr, k.addr, v.addr)).toThrow('unhashable');
        break;
      }
      expect(rt.dict.set(d.addr, k.addr, v.addr)).toBe(true);
      const e = d.entries.find(([kk]) => m.eq(m.objs[kk], k));
      if (e) e[1] = v.id;
      else d.entries.push([k.id, v.id]);
      // Every tuple here is tracked (nothing untracks it), so containers all "may be tracked".
      const gcKind = (o: MObj): boolean => ['tuple', 'list', 'dict', 'inst'].includes(o.kind);
      if (gcKind(v) || (!e && gcKind(k))) d.tracked = true;
      break;
    }
    case 11: {
      const d = m.pick(s.a, (o) => o.kind === 'dict' && o.entries.length > 0);
      if (!d) break;
      const at = s.b % d.entries.length;
      rt.dict.delete(d.addr, m.objs[d.entries[at][0]].addr);
      d.entries.splice(at, 1);
      break;
    }
    case 12: {
      const inst = m.pick(s.a, (o) => o.kind === 'inst');
      const v = inst && m.pick(s.b, older(inst));
      if (!inst || !v) break;
      const name = NAMES[s.c % NAMES.length];
      expect(rt.instance.setAttr(inst.addr, name, v.addr)).toBe(true);
      inst.attrs.set(name, v.id);
      inst.dictMade = true;
      break;
    }
    case 13: {
      const o = m.pick(s.a, (x) => x.held > 0);
      if (!o) break;
      rt.decref(o.addr);
      o.held--;
      m.reap();
      break;
    }
  }
}

const configs: [string, () => PyRuntimeOpts][] = [
  ['refcount only', () => ({})],
  ['with a collector', () => ({ collector: new TrackingCollector() })],
  // Guard bytes around every block catch an overrun of a list or dict block at once.
  ['debug pymalloc and heap', () => ({ allocator: createPymalloc({ debug: true }), debug: true })],
];

describe.each(configs)('random acyclic object graphs (%s)', (_name, opts) => {
  it('refcounts and tracking match the model after every step; everything is freed at the end', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const { rt, base } = setup(opts());
        const cls = rt.cls.new('Node');
        for (const n of NAMES) rt.str.intern(n); // attribute names are immortal: intern up front
        const before = rt.stats();
        const m = new Model(rt, cls);
        for (const s of ops) {
          step(m, s);
          // Any step can drop a last reference (a pop, an item or value replaced): let the
          // model follow the heap's cascade before comparing.
          m.reap();
          m.verify();
          const dicts = m.live().filter((o) => o.dictMade).length;
          expect(rt.stats().heap.liveObjects).toBe(
            before.heap.liveObjects + m.live().length + dicts,
          );
        }
        rt.check();
        for (const o of m.objs) {
          while (o.held > 0) {
            rt.decref(o.addr);
            o.held--;
          }
        }
        m.reap();
        expect(m.live().length).toBe(0);
        expect(rt.stats().heap.liveObjects).toBe(before.heap.liveObjects);
        rt.decref(cls);
        expectBaseline(rt, base);
      }),
      { numRuns: 80 },
    );
  });
});
