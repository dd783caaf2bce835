/*
 * Quick timing of the collector on the G1 / G2 workloads of WORKLOADS.md (the numbers that
 * count come from tools/bench). Run: node --conditions=@pyheap/source --import tsx bench/collect-bench.ts
 */
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import { GenerationalCollector } from '../src/index.js';

/** LAYOUT=0 makes the collector call traverse per object (no ObjectSpace.refLayout). */
const useLayout = process.env.LAYOUT !== '0';

function xorshift(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function makeHeap(): {
  heap: ObjectHeap;
  collector: GenerationalCollector;
  Node: number;
  List: number;
  One: number;
} {
  const allocator = createPymalloc();
  const collector = new GenerationalCollector({ enabled: false });
  const heap = new ObjectHeap({ allocator, collector, refLayout: useLayout });
  const Node = heap.registerType({
    name: 'Node',
    basicSize: 16,
    refOffset: 8,
    refCount: 2,
    gc: true,
  });
  const One = heap.registerType({
    name: 'list1',
    basicSize: 12,
    refOffset: 8,
    refCount: 1,
    gc: true,
  });
  const List = heap.registerType({
    name: 'list',
    basicSize: 12,
    itemSize: 4,
    itemsAreRefs: true,
    gc: true,
  });
  return { heap, collector, Node, List, One };
}

function g1(n: number): void {
  const { heap, collector, Node, List } = makeHeap();
  const draw = xorshift(1);
  const root = heap.alloc(List, n);
  const nodes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = heap.alloc(Node);
    heap.track(o);
    nodes[i] = o;
    heap.setSlot(root, 12 + 4 * i, o);
  }
  heap.track(root);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      let j = draw() % n;
      if (j === i) j = (j + 1) % n;
      heap.incref(nodes[j]);
      heap.setSlot(nodes[i], 8 + 4 * k, nodes[j]);
    }
  }
  collector.collect();
  collector.collect();
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c = process.cpuUsage();
    const res = collector.collect();
    const d = process.cpuUsage(c);
    times.push((d.user + d.system) / 1000);
    if (res.collected !== 0) throw new Error('G1 freed something');
  }
  times.sort((a, b) => a - b);
  console.log(
    `G1 n=${n}: median ${times[2].toFixed(1)} ms CPU (min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)})`,
  );
}

function g2(pairs: number): void {
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const { heap, collector, One, List } = makeHeap();
    const holder = heap.alloc(List, pairs);
    heap.track(holder);
    for (let i = 0; i < pairs; i++) {
      const a = heap.alloc(One);
      const b = heap.alloc(One);
      heap.track(a);
      heap.track(b);
      heap.incref(a);
      heap.setSlot(b, 8, a);
      heap.incref(b);
      heap.setSlot(a, 8, b);
      heap.decref(b);
      heap.setSlot(holder, 12 + 4 * i, a);
    }
    heap.decref(holder);
    const c = process.cpuUsage();
    const res = collector.collect();
    const d = process.cpuUsage(c);
    times.push((d.user + d.system) / 1000);
    if (res.collected !== 2 * pairs) throw new Error(`G2 collected ${res.collected}`);
  }
  times.sort((a, b) => a - b);
  console.log(
    `G2 pairs=${pairs}: median ${times[2].toFixed(1)} ms CPU (min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)})`,
  );
}

const n = Number(process.argv[2] ?? 1_000_000);
if (process.env.ONLY !== 'g2') g1(n);
if (process.env.ONLY !== 'g1') g2(n / 2);
