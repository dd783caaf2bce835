/*
 * The collector itself: prefix layout and links, tracking errors, triggering and generation
 * choice (spec c.4, c.5), both schedules, debug output formats (c.8), check(), argument
 * errors, and graphs too deep for any recursion.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEBUG_COLLECTABLE,
  DEBUG_STATS,
  DEBUG_UNCOLLECTABLE,
  isPyheapError,
  type Addr,
  type CollectInfo,
} from '@pyheap/interface';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import {
  GC_PREFIX_BYTES,
  GenerationalCollector,
  THRESHOLDS_3_12,
  THRESHOLDS_3_13,
} from '../src/index.js';
import { MIN_BATCH_REFS, RefBatch, SETTLE_AFTER } from '../src/internal/ref-batch.js';
import { World } from './world.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isPyheapError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return undefined;
}

describe.each([false, true])('with refLayout = %s', (layout) => {
  beforeAll(() => {
    World.layout = layout;
  });

  describe('prefix and lists', () => {
    it('links hold prefix addresses; gc_next 0 means untracked', () => {
      const w = new World();
      const u32 = (): Uint32Array => w.heap.u32;
      const a = w.list();
      const b = w.list();
      const ga = a - GC_PREFIX_BYTES;
      const gb = b - GC_PREFIX_BYTES;
      expect(u32()[ga >>> 2]).toBe(gb); // a.gc_next = b's prefix
      expect(u32()[(gb >>> 2) + 1]).toBe(ga); // b.gc_prev = a's prefix
      const head = u32()[(ga >>> 2) + 1]; // generation 0's head precedes a
      expect(u32()[gb >>> 2]).toBe(head); // circular
      w.heap.untrack(a);
      expect(u32()[ga >>> 2]).toBe(0);
      expect(u32()[(ga >>> 2) + 1]).toBe(0);
      expect(u32()[(gb >>> 2) + 1]).toBe(head);
      w.heap.untrack(a); // twice is fine
      w.check();
    });

    it('the list heads are one block from the space allocator', () => {
      const allocator = createPymalloc();
      const before = allocator.stats().blocksInUse;
      const collector = new GenerationalCollector();
      new ObjectHeap({ allocator, collector });
      expect(allocator.stats().blocksInUse).toBe(before + 1);
      expect(code(() => collector.attach(new ObjectHeap({ allocator })))).toMatch(
        /^E_INVALID_ARGUMENT/,
      );
    });

    it('track errors: twice, or a non-GC object', () => {
      const w = new World();
      const l = w.list();
      expect(code(() => w.collector.track(l))).toBe(
        'E_ALREADY_TRACKED: object already tracked by the garbage collector',
      );
      const i = w.int(1);
      expect(code(() => w.collector.track(i))).toMatch(
        /^E_ALREADY_TRACKED: cannot track 0x[0-9a-f]+: not an object of a GC type$/,
      );
      expect(w.collector.isTracked(i)).toBe(false);
      w.collector.untrack(i); // no-op
    });

    it('check() finds broken links and objects in two lists', () => {
      const w = new World();
      const a = w.list();
      const b = w.list();
      w.check();
      const gb = (b - GC_PREFIX_BYTES) >>> 2;
      const saved = w.heap.u32[gb + 1];
      w.heap.u32[gb + 1] = saved + 8;
      expect(code(() => w.collector.check())).toMatch(
        /^E_CORRUPT_HEAP: generational collector: generation 0: gc_prev of/,
      );
      w.heap.u32[gb + 1] = saved;
      const ga = (a - GC_PREFIX_BYTES) >>> 2;
      const savedNext = w.heap.u32[ga];
      w.heap.u32[ga] = a - GC_PREFIX_BYTES; // a → a: never returns to the head
      expect(code(() => w.collector.check())).toMatch(/^E_CORRUPT_HEAP/);
      w.heap.u32[ga] = savedNext;
      w.check();
    });

    it('move_unreachable leaves reachable chains reversed (A←B←C scans as C, B, A)', () => {
      const w = new World();
      const a = w.list();
      const b = w.list(a);
      const c = w.list(b);
      w.drop(a, b);
      w.collect(0);
      expect(w.collector.getObjects(1)).toEqual([c, b, a]);
    });
  });

  describe('options and arguments', () => {
    it('default thresholds follow the profile', () => {
      expect(new GenerationalCollector().getThreshold()).toEqual([2000, 10, 10]);
      expect(new GenerationalCollector({ profile: '3.12' }).getThreshold()).toEqual([700, 10, 10]);
      expect([...THRESHOLDS_3_13]).toEqual([2000, 10, 10]);
      expect([...THRESHOLDS_3_12]).toEqual([700, 10, 10]);
      const c = new GenerationalCollector({ thresholds: [5, -1, 0] });
      expect(c.getThreshold()).toEqual([5, -1, 0]);
      expect(c.schedule).toBe('allocation');
      expect(c.isEnabled()).toBe(true);
    });

    it('bad options throw', () => {
      expect(code(() => new GenerationalCollector({ profile: '3.11' as '3.12' }))).toMatch(
        /^E_INVALID_ARGUMENT/,
      );
      expect(code(() => new GenerationalCollector({ schedule: 'never' as 'safepoint' }))).toMatch(
        /^E_INVALID_ARGUMENT/,
      );
      expect(
        code(
          () =>
            new GenerationalCollector({
              thresholds: [1, 2] as unknown as [number, number, number],
            }),
        ),
      ).toMatch(/^E_BAD_THRESHOLD/);
      expect(code(() => new GenerationalCollector({ thresholds: [2 ** 31, 1, 1] }))).toMatch(
        /^E_BAD_THRESHOLD/,
      );
    });

    it('generation, threshold and debug arguments', () => {
      const w = new World();
      const c = w.collector;
      for (const g of [-1, 3, 1.5, NaN])
        expect(code(() => c.collect(g))).toBe('E_BAD_GENERATION: invalid generation');
      expect(code(() => c.getObjects(3))).toBe(
        'E_BAD_GENERATION: generation parameter must be less than the number of available generations (3)',
      );
      expect(code(() => c.getObjects(-2))).toBe(
        'E_BAD_GENERATION: generation parameter cannot be negative',
      );
      expect(code(() => c.setThreshold())).toMatch(/^E_INVALID_ARGUMENT/);
      expect(code(() => c.setThreshold(1, 2, 3, 4))).toMatch(/^E_INVALID_ARGUMENT/);
      expect(code(() => c.setThreshold(2 ** 31))).toMatch(/^E_BAD_THRESHOLD/);
      expect(code(() => c.setThreshold(0.5))).toMatch(/^E_BAD_THRESHOLD/);
      c.setThreshold(7);
      expect(c.getThreshold()).toEqual([7, 10, 10]);
      c.setThreshold(1, 2);
      expect(c.getThreshold()).toEqual([1, 2, 10]);
      c.setDebug(-1);
      expect(c.getDebug()).toBe(-1);
      c.setDebug(0);
      expect(code(() => c.setDebug(2 ** 32))).toMatch(/^E_INVALID_ARGUMENT/);
      expect(code(() => new GenerationalCollector().collect())).toMatch(/^E_INVALID_ARGUMENT/);
      expect(new GenerationalCollector().getObjects()).toEqual([]);
      expect(new GenerationalCollector().getFreezeCount()).toBe(0);
    });
  });

  describe('automatic collections (c.4, c.5)', () => {
    function watch(w: World): CollectInfo[] {
      const seen: CollectInfo[] = [];
      w.collector.callbacks.push((phase, info) => {
        if (phase === 'stop') seen.push({ ...info });
      });
      return seen;
    }

    it('count0 > threshold0 triggers a collection of generation 0 inside the allocation', () => {
      const w = new World({ enabled: true, thresholds: [10, 10, 10] });
      const seen = watch(w);
      const keep: Addr[] = [];
      for (let i = 0; i < 10; i++) keep.push(w.list());
      expect(seen).toEqual([]);
      expect(w.collector.getCount()).toEqual([10, 0, 0]);
      keep.push(w.list()); // count0 = 11 > 10
      expect(seen).toEqual([{ generation: 0, collected: 0, uncollectable: 0 }]);
      expect(w.collector.getCount()).toEqual([0, 1, 0]);
      expect(w.collector.getObjects(1).length).toBe(10); // the 11th was not tracked yet
      expect(w.collector.getObjects(0)).toEqual([keep[10]]);
    });

    it('disabled, or threshold0 = 0: no automatic collection; explicit ones still work', () => {
      const w = new World({ enabled: false, thresholds: [1, 10, 10] });
      const seen = watch(w);
      for (let i = 0; i < 20; i++) w.list();
      expect(seen.length).toBe(0);
      w.collector.enable();
      w.collector.setThreshold(0);
      for (let i = 0; i < 20; i++) w.list();
      expect(seen.length).toBe(0);
      w.collect(0);
      expect(seen.length).toBe(1);
    });

    it('threshold0 = −1: one collection per allocation', () => {
      const w = new World({ enabled: true, thresholds: [-1, 10, 10] });
      const seen = watch(w);
      for (let i = 0; i < 5; i++) w.list();
      expect(seen.length).toBe(5);
    });

    it('older generations: count1 > threshold1 picks generation 1', () => {
      const w = new World({ enabled: true, thresholds: [1, 2, 100] });
      const seen = watch(w);
      const keep: Addr[] = [];
      for (let i = 0; i < 12; i++) keep.push(w.list());
      // Every 2nd allocation collects (count0 > 1); count1 counts them and passes 2 at the 4th.
      expect(seen.map((s) => s.generation)).toEqual([0, 0, 0, 1, 0, 0]);
      expect(w.collector.getCount()).toEqual([0, 2, 1]);
    });

    it('(5, −1, −1): generation 2 waits until long_lived_pending ≥ long_lived_total / 4', () => {
      const w = new World({ thresholds: [5, -1, -1] });
      const keep: Addr[] = [];
      for (let i = 0; i < 100; i++) keep.push(w.list());
      w.collect(); // long_lived_total = 100
      w.collector.enable();
      const seen = watch(w);
      // Each 6th allocation collects generation 1 (count1 > −1 always) and promotes the 5
      // tracked survivors: pending 5, 11, 17, 23, 29.
      for (let i = 0; i < 30; i++) keep.push(w.list());
      expect(seen.map((s) => s.generation)).toEqual([1, 1, 1, 1, 1]);
      // pending 29 ≥ 100 / 4: the next one is a full collection.
      for (let i = 0; i < 6; i++) keep.push(w.list());
      expect(seen.map((s) => s.generation)).toEqual([1, 1, 1, 1, 1, 2]);
      expect(w.collector.getObjects(2).length).toBe(135);
    });

    it('objects that die young keep count0 low: no collection at all', () => {
      const w = new World({ enabled: true, thresholds: [5, 10, 10] });
      const seen = watch(w);
      for (let i = 0; i < 100; i++) w.drop(w.list());
      expect(seen.length).toBe(0);
      expect(w.collector.getCount()).toEqual([0, 0, 0]);
    });

    it('the first eligible full collection always runs (long_lived_total starts at 0)', () => {
      const w = new World({ enabled: true, thresholds: [2, -1, -1] });
      const seen = watch(w);
      for (let i = 0; i < 3; i++) w.list();
      expect(seen.map((s) => s.generation)).toEqual([2]);
    });

    it("safe-point schedule: the hook only schedules; collectScheduled() runs it (3.12+'s eval breaker)", () => {
      const w = new World({ enabled: true, thresholds: [3, 10, 10], schedule: 'safepoint' });
      const seen = watch(w);
      const a = w.emptyList(1);
      w.set(a, 0, a);
      w.drop(a);
      for (let i = 0; i < 5; i++) w.list();
      expect(seen.length).toBe(0);
      expect(w.collector.isScheduled()).toBe(true);
      expect(w.collector.collectScheduled()).toBe(1);
      expect(seen).toEqual([{ generation: 0, collected: 1, uncollectable: 0 }]);
      expect(w.collector.isScheduled()).toBe(false);
      expect(w.collector.collectScheduled()).toBe(0);
      for (let i = 0; i < 5; i++) w.list();
      w.collector.disable();
      expect(w.collector.collectScheduled()).toBe(0);
      expect(seen.length).toBe(1);
    });

    it('allocations inside a collection never start another one', () => {
      const w = new World({ enabled: true, thresholds: [-1, 10, 10] });
      const seen = watch(w);
      let inner = 0;
      const A = w.cls('A', {
        del: () => {
          expect(w.collector.isCollecting()).toBe(true);
          for (let i = 0; i < 10; i++) w.drop(w.list());
          inner++;
        },
      });
      const a = w.new(A);
      w.set(a, 0, a);
      w.drop(a);
      seen.length = 0;
      w.list();
      expect(inner).toBe(1);
      expect(seen.length).toBe(1);
      expect(w.collector.isCollecting()).toBe(false);
    });
  });

  describe('debug output (c.8)', () => {
    it('DEBUG_STATS, DEBUG_COLLECTABLE and DEBUG_UNCOLLECTABLE in CPython formats', () => {
      const w = new World();
      const keep = [w.list(), w.list(), w.list()];
      w.collect(); // 3 in generation 2
      const l = w.emptyList(1);
      w.set(l, 0, l);
      w.drop(l);
      const D = w.cls('D', { tpDel: () => {} });
      const d = w.new(D);
      w.set(d, 0, d);
      w.drop(d);
      w.collector.setDebug(DEBUG_STATS | DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE);
      w.lines.length = 0;
      w.collect(1);
      expect(w.lines[0]).toBe('gc: collecting generation 1...');
      expect(w.lines[1]).toBe('gc: objects in each generation: 2 0 3');
      expect(w.lines[2]).toBe('gc: objects in permanent generation: 0');
      expect(w.lines[3]).toBe(`gc: collectable <list 0x${l.toString(16)}>`);
      expect(w.lines[4]).toBe(`gc: uncollectable <D 0x${d.toString(16)}>`);
      expect(w.lines[5]).toMatch(/^gc: done, 2 unreachable, 1 uncollectable, \d+\.\d{4}s elapsed$/);
      expect(w.lines.length).toBe(6);
      void keep;
    });

    it('setDebugSink replaces the sink', () => {
      const w = new World();
      const mine: string[] = [];
      w.collector.setDebugSink((line) => mine.push(line));
      w.collector.setDebug(DEBUG_STATS);
      w.collect(0);
      expect(mine.length).toBe(4);
      expect(w.lines.length).toBe(0);
    });
  });

  describe('graphs too deep for recursion', () => {
    it('containers with more references than one visit batch (subtract_refs batching)', () => {
      const w = new World();
      const big = w.emptyList(1500);
      for (let i = 0; i < 1500; i++) {
        const n = w.emptyList(1);
        w.set(n, 0, i % 3 === 0 ? big : n);
        w.set(big, i, n);
        w.drop(n);
      }
      const mid = w.emptyList(300);
      for (let i = 0; i < 300; i++) w.set(mid, i, w.get(big, i));
      expect(w.collect()).toBe(0);
      w.drop(mid); // not in a cycle: freed by its refcount
      expect(w.collect()).toBe(0);
      w.drop(big);
      expect(w.collect()).toBe(1501);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('a 60,000-object random graph (subtract_refs gathers, sorts and batches its references)', () => {
      const w = new World({}, false);
      const N = 60_000;
      let x = 7;
      const draw = (): number => {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        return x;
      };
      const nodes: Addr[] = [];
      for (let i = 0; i < N; i++) nodes.push(w.emptyList(2));
      const edges: number[][] = [];
      // Two random graphs side by side: the first half keeps some roots, the second none.
      const H = N / 2;
      for (let i = 0; i < N; i++) {
        const lo = i < H ? 0 : H;
        const e = [lo + (draw() % H), lo + (draw() % H)];
        edges.push(e);
        w.set(nodes[i], 0, nodes[e[0]]);
        w.set(nodes[i], 1, nodes[e[1]]);
      }
      // Keep every 7th node of the first half; the oracle says what stays reachable.
      const kept = new Set<number>();
      const stack: number[] = [];
      for (let i = 0; i < H; i += 7) stack.push(i);
      while (stack.length > 0) {
        const i = stack.pop()!;
        if (kept.has(i)) continue;
        kept.add(i);
        stack.push(...edges[i]);
      }
      for (let i = 0; i < N; i++) if (i >= H || i % 7 !== 0) w.drop(nodes[i]);
      // Whatever refcounting did not free already is cyclic garbage for the collector.
      const alive = w.live();
      expect(alive).toBeGreaterThan(kept.size + 1000);
      expect(w.collect()).toBe(alive - kept.size);
      expect(w.live()).toBe(kept.size);
      w.check();
      expect(w.collect()).toBe(0);
      for (let i = 0; i < H; i += 7) w.drop(nodes[i]);
      const cyclic = w.live();
      expect(w.collect()).toBe(cyclic);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('subtract_refs batches that overflow: a full batch, and one object with more references than a batch', () => {
      const w = new World();
      // The smallest batch (4096 references) instead of 2M, to reach both overflow paths.
      (w.collector as unknown as { state: { batch: RefBatch } }).state.batch = new RefBatch(0);
      const N = 12_000;
      const big = w.emptyList(N); // 12,000 references: more than one batch
      const nodes: Addr[] = [];
      for (let i = 0; i < N; i++) {
        const n = w.emptyList(2);
        nodes.push(n);
        w.set(big, i, n);
        w.drop(n);
      }
      for (let i = 0; i < N; i++) {
        w.set(nodes[i], 0, nodes[(i * 7919) % N]);
        w.set(nodes[i], 1, i % 2 === 0 ? big : nodes[(i + 1) % N]);
      }
      expect(w.collect()).toBe(0);
      w.drop(big);
      expect(w.collect()).toBe(N + 1);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('subtract_refs scratch: kept through alternating small and large collections, shrunk after SETTLE_AFTER small ones', () => {
      const batch = new RefBatch();
      const grown = (): boolean => batch.grow(batch.buf.length);
      expect(batch.buf.length).toBe(MIN_BATCH_REFS);
      expect(grown() && grown() && grown()).toBe(true); // 8 × MIN
      const big = batch.buf;
      // Alternating: a collection that needed almost nothing, then one that needed 3 × MIN.
      for (let k = 0; k < 3 * SETTLE_AFTER; k++) {
        batch.peak = k % 2 === 1 ? 3 * MIN_BATCH_REFS : 10;
        batch.settle();
        expect(batch.buf).toBe(big);
      }
      // SETTLE_AFTER small ones in a row: shrunk to the largest of their needs.
      for (let k = 1; k <= SETTLE_AFTER; k++) {
        batch.peak = k === 3 ? MIN_BATCH_REFS + 1 : 10;
        batch.settle();
        expect(batch.buf.length).toBe(k < SETTLE_AFTER ? 8 * MIN_BATCH_REFS : 2 * MIN_BATCH_REFS);
      }
      // Never below the minimum, and a full one resets the streak.
      for (let k = 0; k < 2 * SETTLE_AFTER; k++) {
        batch.peak = 0;
        batch.settle();
      }
      expect(batch.buf.length).toBe(MIN_BATCH_REFS);
    });

    it('a 200,000-object ring is found unreachable and freed (no recursion, no JS stack growth)', () => {
      const w = new World({}, false);
      const N = 200_000;
      const first = w.emptyList(1);
      let prev = first;
      for (let i = 1; i < N; i++) {
        const n = w.emptyList(1);
        w.set(prev, 0, n);
        if (prev !== first) w.drop(prev);
        prev = n;
      }
      w.set(prev, 0, first);
      w.drop(prev);
      expect(w.collect(0)).toBe(0);
      w.drop(first);
      expect(w.collect()).toBe(N);
      expect(w.live()).toBe(0);
      w.check();
    });

    it('a 100,000-deep chain hanging off a self-cycle is freed by one tp_clear cascade (trashcan depth)', () => {
      const w = new World({}, false);
      const N = 100_000;
      const root = w.emptyList(2);
      w.set(root, 0, root);
      let tail = root;
      for (let i = 0; i < N; i++) {
        const n = w.emptyList(1);
        w.set(tail, tail === root ? 1 : 0, n);
        if (tail !== root) w.drop(tail);
        tail = n;
      }
      w.drop(tail, root);
      expect(w.collect()).toBe(N + 1);
      expect(w.live()).toBe(0);
      expect(w.heap.stats().trashcanDeferred).toBeGreaterThanOrEqual(0);
      w.check();
    });
  });
});
