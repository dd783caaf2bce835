/**
 * Deep nesting (spec b.7): deallocation, hashing, comparison and conversion walk explicit
 * work stacks, so depth is bounded by memory, not by the JS stack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

beforeEach(() => ({ rt, base } = setup()));
afterEach(() => expectBaseline(rt, base));

describe('deep nesting', () => {
  it('1,000,000 nested lists are freed by one decref, without recursion', () => {
    let l = rt.list.new();
    for (let i = 0; i < 1_000_000; i++) {
      const outer = rt.list.new([l]);
      rt.decref(l);
      l = outer;
    }
    expect(rt.stats().heap.liveObjects).toBe(base.liveObjects + 1_000_001);
    rt.decref(l);
    expect(rt.stats().heap.liveObjects).toBe(base.liveObjects);
    expect(rt.stats().heap.trashcanDeferred).toBeGreaterThan(0);
  });

  it('100,000 nested dicts and tuples', () => {
    const k = rt.str.new('k');
    let d = rt.dict.new();
    let t = rt.tuple.new([rt.int.new(0)]);
    for (let i = 0; i < 100_000; i++) {
      const outer = rt.dict.new();
      rt.dict.set(outer, k, d);
      rt.decref(d);
      d = outer;
      const tt = rt.tuple.new([t]);
      rt.decref(t);
      t = tt;
    }
    // Hash and compare a 100,000-deep tuple without recursion.
    expect(rt.hash(t)).toBe(rt.hash(t));
    const same = rt.tuple.new([rt.tuple.get(t, 0)]);
    expect(rt.equals(t, same)).toBe(true);
    rt.decref(same);
    rt.decref(d);
    rt.decref(t);
    rt.decref(k);
  });

  it('fromJS / toJS of 100,000 levels, and of a JS cycle', () => {
    let js: unknown[] = [];
    const root = js;
    for (let i = 0; i < 100_000; i++) {
      const next: unknown[] = [];
      js.push(i, next);
      js = next;
    }
    const l = rt.fromJS(root);
    const back = rt.toJS(l) as unknown[];
    expect(back[0]).toBe(0);
    expect(((back[1] as unknown[])[1] as unknown[])[0]).toBe(2);
    rt.decref(l);

    const cyc: unknown[] = [1];
    cyc.push(cyc);
    const c = rt.fromJS(cyc);
    expect(rt.list.get(c, 1)).toBe(c);
    const cycBack = rt.toJS(c) as unknown[];
    expect(cycBack[1]).toBe(cycBack);
    rt.list.clear(c);
    rt.decref(c);
  });
});
