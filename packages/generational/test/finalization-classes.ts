/*
 * The classes of Lib/test/test_finalization.py (NonGCSimpleBase, SimpleBase, SelfCycleBase,
 * ChainedBase and their resurrecting / suicidal / legacy variants) over a test world, shared by
 * the two files of the port (test-finalization-port*.test.ts; their header says how they map).
 */
import { expect } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { World } from './world.js';

/** Attribute slots of a test instance. */
const ID = 0;
export const REF = 1;
export const LEFT = 2;
export const RIGHT = 3;

/** Which check_sanity the class has (NonGCSimpleBase / SimpleBase / SelfCycleBase / ChainedBase). */
type Sanity = 'none' | 'simple' | 'selfCycle' | 'chained';
/** Which side_effect the class has. */
type SideEffect =
  | 'none'
  | 'resurrect' // survivors.append(self)
  | 'breakSelfCycle' // SuicidalSelfCycle: self.ref = None
  | 'breakChain'; // SuicidalChained: self.suicided = True; self.left = None; self.right = None

export interface PyClass {
  readonly type: number;
  readonly gc: boolean;
  readonly sanity: Sanity;
}

const sorted = (ids: readonly Addr[]): Addr[] => [...ids].sort((a, b) => a - b);

class AssertionError extends Error {}
const pyAssert = (cond: boolean, what: string): void => {
  if (!cond) throw new AssertionError(what);
};

export class Fin {
  readonly w = new World();
  // NonGCSimpleBase's class attributes.
  readonly survivors: Addr[] = [];
  readonly delCalls: Addr[] = [];
  readonly tpDelCalls: Addr[] = [];
  readonly errors: unknown[] = [];
  cleaning = false;
  /** ChainedBase: instances whose `suicided` is True. */
  readonly suicided = new Set<Addr>();
  /** Every call of the finalizers, including those made while cleaning. */
  rawDel = 0;
  rawTpDel = 0;
  /** Every gc.collect() result, in order (test body, _cleanup, tearDown). */
  readonly collects: number[] = [];

  /** A Python class deriving from NonGCSimpleBase (legacy: LegacyBase + @with_tp_del). */
  cls(
    name: string,
    sanity: Sanity,
    effect: SideEffect,
    opts: { gc?: boolean; legacy?: boolean } = {},
  ): PyClass {
    const w = this.w;
    const gc = opts.gc ?? true;
    if (!gc) {
      // @without_gc, __slots__ = (): no attributes, no weakrefs, no GC header.
      const type = w.heap.registerType({
        name,
        basicSize: 8,
        finalize: (_s, self) => this.pep442Del(self, sanity, effect),
      });
      return { type, gc, sanity };
    }
    const type = opts.legacy
      ? w.cls(name, {
          del: (self) => this.legacyDel(self, sanity),
          tpDel: (self) => this.legacyTpDel(self, sanity, effect),
        })
      : w.cls(name, { del: (self) => this.pep442Del(self, sanity, effect) });
    return { type, gc, sanity };
  }

  /** cls(): NEW reference. */
  make(c: PyClass): Addr {
    const w = this.w;
    if (!c.gc) return w.heap.alloc(c.type);
    const self = w.new(c.type);
    // SimpleBase.__init__: self.id_ = id(self)
    const id = w.int(self);
    w.set(self, ID, id);
    w.drop(id);
    // SelfCycleBase.__init__: self.ref = self
    if (c.sanity === 'selfCycle') w.set(self, REF, self);
    return self;
  }

  /** ChainedBase.chain(self, left). */
  chain(self: Addr, left: Addr): void {
    this.suicided.delete(self);
    this.w.set(self, LEFT, left);
    this.w.set(left, RIGHT, self);
  }

  /** NonGCSimpleBase.__del__. */
  private pep442Del(self: Addr, sanity: Sanity, effect: SideEffect): void {
    this.rawDel++;
    try {
      if (!this.cleaning) {
        this.delCalls.push(self);
        this.checkSanity(self, sanity);
        this.sideEffect(self, effect);
      }
    } catch (e) {
      this.errors.push(e);
    }
  }

  /** LegacyBase.__del__: no side effect. */
  private legacyDel(self: Addr, sanity: Sanity): void {
    this.rawDel++;
    try {
      if (!this.cleaning) {
        this.delCalls.push(self);
        this.checkSanity(self, sanity);
      }
    } catch (e) {
      this.errors.push(e);
    }
  }

  /** LegacyBase.__tp_del__. */
  private legacyTpDel(self: Addr, sanity: Sanity, effect: SideEffect): void {
    this.rawTpDel++;
    try {
      if (!this.cleaning) {
        this.tpDelCalls.push(self);
        this.checkSanity(self, sanity);
        this.sideEffect(self, effect);
      }
    } catch (e) {
      this.errors.push(e);
    }
  }

  private checkSanity(self: Addr, sanity: Sanity): void {
    if (sanity === 'none') return;
    const w = this.w;
    // SimpleBase: assert self.id_ == id(self)
    const id = w.get(self, ID);
    pyAssert(id !== 0 && w.heap.u32[(id >>> 2) + 2] === self, 'self.id_ == id(self)');
    if (sanity === 'selfCycle') pyAssert(w.get(self, REF) === self, 'self.ref is self');
    if (sanity === 'chained') {
      if (this.suicided.has(self)) {
        pyAssert(w.get(self, LEFT) === 0, 'self.left is None');
        pyAssert(w.get(self, RIGHT) === 0, 'self.right is None');
      } else {
        const left = w.get(self, LEFT);
        pyAssert(left !== 0, "'NoneType' object has no attribute 'suicided'");
        if (this.suicided.has(left)) pyAssert(w.get(left, RIGHT) === 0, 'left.right is None');
        else pyAssert(w.get(left, RIGHT) === self, 'left.right is self');
        const right = w.get(self, RIGHT);
        pyAssert(right !== 0, "'NoneType' object has no attribute 'suicided'");
        if (this.suicided.has(right)) pyAssert(w.get(right, LEFT) === 0, 'right.left is None');
        else pyAssert(w.get(right, LEFT) === self, 'right.left is self');
      }
    }
  }

  private sideEffect(self: Addr, effect: SideEffect): void {
    const w = this.w;
    switch (effect) {
      case 'none':
        return;
      case 'resurrect':
        w.heap.incref(self);
        this.survivors.push(self);
        return;
      case 'breakSelfCycle':
        w.set(self, REF, 0);
        return;
      case 'breakChain':
        this.suicided.add(self);
        w.set(self, LEFT, 0);
        w.set(self, RIGHT, 0);
        return;
    }
  }

  collect(): number {
    const n = this.w.collect();
    this.collects.push(n);
    return n;
  }

  /** list.clear(): items are released last to first (_list_clear). */
  private static clearList(w: World, items: Addr[]): void {
    const taken = items.splice(0);
    for (let i = taken.length - 1; i >= 0; i--) w.drop(taken[i]);
  }

  /** SimpleBase.clear_survivors. */
  clearSurvivors(): void {
    Fin.clearList(this.w, this.survivors);
  }

  /** gc.garbage.clear() (gc.garbage holds a reference to each entry). */
  clearGarbage(): void {
    Fin.clearList(this.w, this.w.collector.garbage);
  }

  /** Leaving SimpleBase.test(): errors raised, then _cleaning = True and _cleanup(). */
  endTest(): void {
    expect(this.errors).toEqual([]); // `if cls.errors: raise cls.errors[0]`
    this.cleaning = true;
    this.clearSurvivors();
    this.errors.length = 0;
    this.clearGarbage();
    this.collect();
    this.delCalls.length = 0;
    this.tpDelCalls.length = 0;
  }

  /** TestBase.tearDown (LegacyFinalizationTest's first clears gc.garbage and collects). */
  tearDown(legacy = false): void {
    if (legacy) {
      this.clearGarbage();
      this.collect();
    }
    expect(this.w.collector.garbage).toEqual([]);
    this.collect();
  }

  // TestBase's assertions.
  assertDelCalls(ids: readonly Addr[]): void {
    expect(sorted(this.delCalls)).toEqual(sorted(ids));
  }
  assertTpDelCalls(ids: readonly Addr[]): void {
    expect(sorted(this.tpDelCalls)).toEqual(sorted(ids));
  }
  assertSurvivors(ids: readonly Addr[]): void {
    expect(sorted(this.survivors)).toEqual(sorted(ids));
  }
  assertGarbage(ids: readonly Addr[]): void {
    expect(sorted(this.w.collector.garbage)).toEqual(sorted(ids));
  }

  /** The heap's own finalizer counters agree with the calls the classes saw. */
  checkCounters(del: number, tpDel: number): void {
    expect([this.rawDel, this.rawTpDel]).toEqual([del, tpDel]);
    const st = this.w.heap.stats();
    expect([st.finalizersCalled, st.legacyFinalizersCalled]).toEqual([del, tpDel]);
  }

  /** The test's remaining references (weakrefs) dropped, nothing is left. */
  finish(...weakrefs: Addr[]): void {
    const w = this.w;
    expect(w.live()).toBe(weakrefs.length);
    w.drop(...weakrefs);
    expect(w.live()).toBe(0);
    w.check();
  }
}
