/*
 * A WebAssembly.Memory shared with a WASM module can be grown by the module itself: every view
 * of the old buffer is detached, and nobody tells the runtime. The same program runs on two
 * runtimes over WebAssembly.Memory-backed heaps; before every call into the second one its
 * memory is grown from outside. Every result (addresses included), every error and the final
 * checks must be the same.
 */
import { describe, expect, it } from 'vitest';
import { GenerationalCollector } from '../src/index.js';
import { LinearMemory } from '@pyheap/memory';
import { createPymalloc } from '@pyheap/pymalloc';
import { createRuntime, type PyRuntime } from '@pyheap/objects';
import { ObjectHeap } from '@pyheap/refcount';

interface Twin {
  readonly wasm: WebAssembly.Memory;
  grows: number;
}

function makeRuntime(collector: boolean): { rt: PyRuntime; wasm: WebAssembly.Memory } {
  const wasm = new WebAssembly.Memory({ initial: 32, maximum: 8192 });
  const allocator = createPymalloc({ memory: new LinearMemory({ wasmMemory: wasm }) });
  const rt = createRuntime({
    allocator,
    collector: collector ? new GenerationalCollector() : undefined,
  });
  return { rt, wasm };
}

/** Properties whose objects are not API (the heap under a runtime, memories, result arrays). */
const NOT_WRAPPED = new Set<string | symbol>(['heap', 'memory', 'allocator', 'collector']);

/**
 * `target` with every method (of it and of its API objects: rt.list, rt.dict, …) wrapped so
 * that the memory grows by one page, from outside, right before the call.
 */
function growingBeforeEachCall<T extends object>(target: T, twin: Twin): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          twin.wasm.grow(1);
          twin.grows++;
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      }
      if (typeof value === 'object' && value !== null && !NOT_WRAPPED.has(key)) {
        return growingBeforeEachCall(value, twin);
      }
      return value;
    },
  });
}

/** What a call gave: its value, or its error's code and message. */
function outcome(fn: () => unknown): unknown {
  try {
    const v = fn();
    return v instanceof Uint8Array ? Array.from(v) : v;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { code: err.code, message: err.message };
  }
}

/** A program over most of the API; returns everything it observed. */
function program(rt: PyRuntime): unknown[] {
  const log: unknown[] = [];
  const see = (fn: () => unknown): void => {
    log.push(outcome(fn));
  };
  const f = rt.float.new(2.5);
  const i = rt.int.new(1_000_000);
  const s = rt.str.new('hello, wörld');
  const b = rt.bytes.new(new Uint8Array([1, 2, 3]));
  const l = rt.list.new([f, i]);
  const t = rt.tuple.new([s, b, l]);
  const d = rt.dict.new();
  see(() => rt.dict.set(d, s, t));
  see(() => rt.dict.set(d, i, f));
  see(() => [rt.float.value(f), rt.int.value(i), rt.str.value(s), rt.str.len(s)]);
  see(() => [rt.str.byteLength(s), rt.str.hash(s), rt.bytes.value(b), rt.bytes.len(b)]);
  see(() => [rt.list.len(l), rt.list.get(l, -1), rt.tuple.len(t), rt.tuple.get(t, 2)]);
  see(() => rt.list.append(l, s));
  see(() => rt.list.insert(l, 0, b));
  see(() => rt.list.set(l, 1, i));
  see(() => rt.list.get(l, 10));
  see(() => rt.list.pop(l, 0));
  see(() => [rt.list.items(l), rt.list.allocated(l)]);
  see(() => [rt.dict.get(d, s), rt.dict.lookup(d, b), rt.dict.has(d, i), rt.dict.len(d)]);
  see(() => rt.dict.get(d, rt.str.intern('missing')));
  see(() => rt.dict.set(d, l, s));
  see(() => [rt.dict.keys(d), rt.dict.values(d), rt.dict.next(d, 0), rt.dict.keyAt(d, 0)]);
  const d2 = rt.dict.copy(d);
  see(() => rt.dict.pop(d2, i));
  see(() => [rt.repr(d), rt.repr(t), rt.repr(d2), rt.hash(t), rt.equals(s, rt.str.new('x'))]);
  const Point = rt.cls.new('Point', { slots: ['x', 'y'] });
  const Node = rt.cls.new('Node');
  const p = rt.instance.new(Point);
  const n = rt.instance.new(Node);
  see(() => rt.instance.setAttr(p, 'x', f));
  see(() => rt.instance.setAttr(n, 'next', n)); // a cycle through __dict__
  see(() => rt.instance.getAttr(p, 'y'));
  see(() => [rt.instance.getAttr(p, 'x'), rt.instance.hasAttr(n, 'next'), rt.repr(p)]);
  const wr = rt.weakref.new(n);
  see(() => [rt.weakref.get(wr), rt.weakref.alive(wr), rt.weakref.count(n)]);
  see(() => rt.weakref.new(l));
  see(() => [rt.refcnt(f), rt.refcnt(s), rt.refcnt(n), rt.isTracked(d), rt.isTracked(t)]);
  see(() => [rt.typeName(p), rt.typeId(p), rt.isFinalized(n), rt.isImmortal(rt.None)]);
  const js = rt.fromJS({ a: [1, 2.5, 'x', null, true], b: new Map([['k', [3]]]) });
  see(() => rt.toJS(js));
  see(() => rt.repr(js));
  for (const o of [js, wr, d2, d, t, l, b, s, i, f, p, Point]) rt.decref(o);
  rt.decref(n); // only the cycle holds it now
  see(() => [rt.weakref.alive(wr), rt.stats().heap.liveObjects]);
  see(() => rt.collect());
  see(() => rt.decref(Node));
  see(() => rt.decref(Node)); // one too many
  see(() => rt.stats().heap.liveObjects);
  rt.check();
  return log;
}

/**
 * The refcount core's and the collector's own API, called directly, on a 2-slot GC type and a
 * type whose clear and finalizer grow the memory themselves (user code that calls into the
 * WASM module) while a collection runs.
 */
function heapProgram(
  heap: ObjectHeap,
  collector: GenerationalCollector,
  grow: () => void,
): unknown[] {
  const log: unknown[] = [];
  const see = (fn: () => unknown): void => {
    log.push(outcome(fn));
  };
  const pair = heap.registerType({
    name: 'Pair',
    basicSize: 16,
    refOffset: 8,
    refCount: 2,
    gc: true,
    weakrefable: true,
  });
  const growing = heap.registerType({
    name: 'Growing',
    basicSize: 12,
    gc: true,
    traverse: (h, o, visit) => {
      const ref = h.getSlot(o, 8);
      if (ref !== 0) visit.visit(ref);
    },
    clear: (h, o) => {
      grow();
      h.setSlot(o, 8, 0);
    },
    finalize: () => grow(),
  });
  const a = heap.alloc(pair);
  const b = heap.alloc(pair);
  see(() => [a, b, heap.refcnt(a), heap.typeId(a), heap.typeName(a), heap.objectSize(a)]);
  see(() => heap.track(a));
  see(() => collector.track(b));
  see(() => collector.track(b));
  see(() => [heap.isTracked(a), collector.isTracked(b), collector.getObjects(0).length]);
  heap.incref(b);
  see(() => heap.setSlot(a, 8, b));
  see(() => heap.setSlot(b, 12, a));
  heap.incref(a);
  see(() => [heap.getSlot(a, 8), heap.getSlot(b, 12), heap.getSlot(a, 16)]);
  const seen: number[] = [];
  see(() => heap.traverse(a, { visit: (r) => void seen.push(r) }));
  const wr = heap.newWeakref(a);
  see(() => [heap.weakrefGet(wr), heap.weakrefCount(a), seen]);
  see(() => collector.untrack(b));
  see(() => heap.track(b));
  const g1 = heap.alloc(growing);
  const g2 = heap.alloc(growing);
  heap.track(g1);
  heap.track(g2);
  heap.setSlot(g1, 8, g2);
  heap.setSlot(g2, 8, g1);
  heap.incref(g1);
  heap.decref(g1);
  see(() => heap.decref(a));
  see(() => heap.decref(b));
  see(() => collector.collect());
  see(() => [heap.weakrefGet(wr), heap.stats().liveObjects, heap.stats().finalizersCalled]);
  see(() => heap.decref(wr));
  see(() => heap.decref(a));
  see(() => heap.stats().liveObjects);
  heap.check();
  collector.check();
  return log;
}

describe('a WebAssembly.Memory grown by its owner between calls', () => {
  for (const collector of [false, true]) {
    it(`gives the same results, errors and addresses (${collector ? 'with' : 'without'} a collector)`, () => {
      const plain = makeRuntime(collector);
      const grown = makeRuntime(collector);
      const twin: Twin = { wasm: grown.wasm, grows: 0 };
      const expected = program(plain.rt);
      const got = program(growingBeforeEachCall(grown.rt, twin));
      expect(twin.grows).toBeGreaterThan(80);
      expect(grown.wasm.buffer.byteLength).toBe((32 + twin.grows) * 65536);
      expect(got).toEqual(expected);
      grown.rt.check();
    });
  }

  it('gives the same results to the heap and the collector called directly, and while user code grows it in a collection', () => {
    const run = (wasm: WebAssembly.Memory, wrap: <T extends object>(x: T) => T): unknown[] => {
      const collector = new GenerationalCollector();
      const heap = new ObjectHeap({
        allocator: createPymalloc({ memory: new LinearMemory({ wasmMemory: wasm }) }),
        collector,
      });
      return heapProgram(wrap(heap), wrap(collector), () => wasm.grow(1));
    };
    const plainWasm = new WebAssembly.Memory({ initial: 32, maximum: 8192 });
    const expected = run(plainWasm, (x) => x);
    const wasm = new WebAssembly.Memory({ initial: 32, maximum: 8192 });
    const twin: Twin = { wasm, grows: 0 };
    const got = run(wasm, (x) => growingBeforeEachCall(x, twin));
    expect(twin.grows).toBeGreaterThan(20);
    expect(got).toEqual(expected);
  });
});
