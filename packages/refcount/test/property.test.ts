/**
 * Property test: random acyclic object graphs built and dropped in random order, checked
 * after every step against a plain model of reference counts (external references + slots
 * pointing at an object) and of which objects are alive.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Addr } from '@pyheap/interface';
import { FakeCollector } from './fake-collector.js';
import { makeEnv } from './helpers.js';

interface ModelObject {
  addr: Addr;
  slots: number[]; // model ids, -1 = NULL
  external: number; // references the test holds
  rc: number; // model refcount
  finalizer: boolean;
}

type Op =
  | { kind: 'new'; type: number; items: number }
  | { kind: 'link'; from: number; slot: number; to: number }
  | { kind: 'unlink'; from: number; slot: number }
  | { kind: 'dup'; obj: number }
  | { kind: 'drop'; obj: number }
  | { kind: 'weakref'; obj: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('new' as const), type: fc.nat(2), items: fc.nat(4) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('link' as const),
      from: fc.nat(),
      slot: fc.nat(),
      to: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unlink' as const), from: fc.nat(), slot: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const), obj: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop' as const), obj: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('weakref' as const), obj: fc.nat() }) },
);

function runScenario(ops: Op[], debug: boolean, withCollector: boolean): void {
  const collector = withCollector
    ? new FakeCollector({ containerAllocated: true, deallocating: true })
    : undefined;
  const env = makeEnv({ debug, collector }, false);
  const { heap, allocator, baseline } = env;
  const finalized: Addr[] = [];
  // type 0: 2 fixed slots (GC); type 1: tuple-like, items are refs; type 2: 1 slot + finalizer, non-GC.
  const types = [
    heap.registerType({
      name: 'pair',
      basicSize: 16,
      refOffset: 8,
      refCount: 2,
      gc: true,
      weakrefable: true,
    }),
    heap.registerType({ name: 'tuple', basicSize: 12, itemSize: 4, itemsAreRefs: true, gc: true }),
    heap.registerType({
      name: 'fin',
      basicSize: 12,
      refOffset: 8,
      refCount: 1,
      weakrefable: true,
      finalize: (_h, o) => finalized.push(o),
    }),
  ];
  const slotOffset = (o: ModelObject, k: number): number =>
    heap.typeName(o.addr) === 'tuple' ? 12 + 4 * k : 8 + 4 * k;

  const model: ModelObject[] = []; // index = model id; dead objects are removed from `alive`
  const alive = new Set<number>();
  const weakrefs: { wr: Addr; target: number; fired: number }[] = [];
  let expectedFinalized = 0;

  const kill = (id: number): void => {
    // Model of a decref to zero: depth first through the slots.
    const stack = [id];
    while (stack.length > 0) {
      const k = stack.pop()!;
      alive.delete(k);
      if (model[k].finalizer) expectedFinalized++;
      for (const c of model[k].slots) {
        if (c >= 0 && --model[c].rc === 0) stack.push(c);
      }
    }
  };
  const pick = (n: number): number => {
    const ids = [...alive].filter((id) => model[id].external > 0);
    return ids.length === 0 ? -1 : ids[n % ids.length];
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'new': {
        const t = types[op.type];
        const isTuple = op.type === 1;
        const addr = isTuple ? heap.alloc(t, op.items) : heap.alloc(t);
        if (op.type === 0) heap.track(addr);
        const nslots = isTuple ? op.items : op.type === 0 ? 2 : 1;
        model.push({
          addr,
          slots: new Array(nslots).fill(-1),
          external: 1,
          rc: 1,
          finalizer: op.type === 2,
        });
        alive.add(model.length - 1);
        break;
      }
      case 'link': {
        // Only newer → older links: the graph stays acyclic.
        const from = pick(op.from);
        if (from < 0 || model[from].slots.length === 0) break;
        const older = [...alive].filter((id) => id < from);
        if (older.length === 0) break;
        const to = older[op.to % older.length];
        const k = op.slot % model[from].slots.length;
        heap.incref(model[to].addr);
        model[to].rc++;
        const old = model[from].slots[k];
        model[from].slots[k] = to;
        heap.setSlot(model[from].addr, slotOffset(model[from], k), model[to].addr);
        if (old >= 0 && --model[old].rc === 0) kill(old);
        break;
      }
      case 'unlink': {
        const from = pick(op.from);
        if (from < 0 || model[from].slots.length === 0) break;
        const k = op.slot % model[from].slots.length;
        const old = model[from].slots[k];
        model[from].slots[k] = -1;
        heap.setSlot(model[from].addr, slotOffset(model[from], k), 0);
        if (old >= 0 && --model[old].rc === 0) kill(old);
        break;
      }
      case 'dup': {
        const id = pick(op.obj);
        if (id < 0) break;
        heap.incref(model[id].addr);
        model[id].external++;
        model[id].rc++;
        break;
      }
      case 'drop': {
        const id = pick(op.obj);
        if (id < 0) break;
        model[id].external--;
        heap.decref(model[id].addr);
        if (--model[id].rc === 0) kill(id);
        break;
      }
      case 'weakref': {
        const id = pick(op.obj);
        if (id < 0 || heap.typeName(model[id].addr) === 'tuple') break;
        const entry = { wr: 0, target: id, fired: 0 };
        entry.wr = heap.newWeakref(model[id].addr, () => entry.fired++);
        weakrefs.push(entry);
        break;
      }
    }
    // After every step: the heap agrees with the model.
    heap.check();
    expect(heap.stats().liveObjects).toBe(alive.size + weakrefs.length);
    for (const id of alive) expect(heap.refcnt(model[id].addr)).toBe(model[id].rc);
    for (const w of weakrefs) {
      const dead = !alive.has(w.target);
      expect(w.fired).toBe(dead ? 1 : 0);
      expect(heap.weakrefGet(w.wr)).toBe(dead ? 0 : model[w.target].addr);
    }
    expect(finalized.length).toBe(expectedFinalized);
  }

  // Drop everything still held, in random-ish (id) order; then nothing may remain.
  for (const id of [...alive].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101))) {
    while (alive.has(id) && model[id].external > 0) {
      model[id].external--;
      heap.decref(model[id].addr);
      if (--model[id].rc === 0) kill(id);
    }
  }
  for (const w of weakrefs) heap.decref(w.wr);
  expect(alive.size).toBe(0);
  expect(finalized.length).toBe(expectedFinalized);
  heap.check();
  allocator.check();
  expect(heap.stats().liveObjects).toBe(0);
  expect(allocator.stats().blocksInUse).toBe(baseline);
  if (collector) expect(collector.tracked.size).toBe(0);
}

describe('random acyclic graphs, random drops', () => {
  it('match the model after every step (refcount-only, release mode)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => runScenario(ops, false, false)),
      {
        numRuns: 150,
      },
    );
  });

  it('match the model after every step (debug mode, with a collector prefix and hooks)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => runScenario(ops, true, true)),
      {
        numRuns: 150,
      },
    );
  });
});
