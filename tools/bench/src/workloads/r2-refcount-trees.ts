/**
 * R2 binary-trees on pyheap: how the pyheap variants build, check and drop trees through the
 * refcounting API (the benches are `r2PyheapBench` in r2-binary-trees.ts).
 *
 * `refcountTrees`: nodes are 2-slot objects (left, right) of a GC type registered on an
 * ObjectHeap over pymalloc, created with `alloc`, linked with `setSlot` (which steals the
 * child's reference), read with `getSlot` and dropped with `decref` — a whole tree is freed
 * by reference counting when its root's count reaches 0. A leaf has both slots NULL; children
 * are made before their parent, as CPython evaluates `(make(d - 1), make(d - 1))` before
 * building the tuple.
 * - `pyheap`: a GenerationalCollector attached, every node tracked at creation (as CPython
 *   tracks a tuple), automatic collection on at the collector's defaults (3.13's 2000/10/10,
 *   collections run inside the allocation that crosses threshold 0). Young collections find
 *   every node reachable (held by the JS stack or by a tree still in use) and promote it, so
 *   the big trees of depth 14–18 reach generation 2 and set off full collections (each walks
 *   the long-lived tree); nothing is ever collected — every tree dies by reference counting.
 *   The record's `extra` says how many collections ran and how long they took.
 * - `pyheap-rc`: refcount only, no collector, no prefix.
 *
 * `tupleTrees` (`pyheap-tuples`): @pyheap/objects tuples, built as CPython builds them.
 */
import type { PyRuntime } from '@pyheap/objects';
import type { ObjectHeap } from '@pyheap/refcount';
import { SLOT0_OFF, type RcWorld } from '../pyheap-world.js';
import type { TreeOps } from './r2-binary-trees.js';

const LEFT_OFF = SLOT0_OFF;
const RIGHT_OFF = SLOT0_OFF + 4;

/** TreeOps over the refcount API; `track` tracks every node (a collector is attached). */
export function refcountTrees(heap: ObjectHeap, nodeType: number, track: boolean): TreeOps<number> {
  const make = (depth: number): number => {
    let left = 0;
    let right = 0;
    if (depth > 0) {
      left = make(depth - 1);
      right = make(depth - 1);
    }
    const node = heap.alloc(nodeType);
    if (node === 0) throw new Error('R2: out of memory');
    if (left !== 0) {
      heap.setSlot(node, LEFT_OFF, left);
      heap.setSlot(node, RIGHT_OFF, right);
    }
    if (track) heap.track(node);
    return node;
  };
  const check = (node: number): number => {
    const left = heap.getSlot(node, LEFT_OFF);
    return left === 0 ? 1 : 1 + check(left) + check(heap.getSlot(node, RIGHT_OFF));
  };
  return { make, check, drop: (node) => heap.decref(node) };
}

/**
 * TreeOps over @pyheap/objects tuples, as CPython runs the Benchmarks Game's Python program:
 * an inner node is `(make(d − 1), make(d − 1))` (PyTuple_New(2), tracked, items stolen into
 * it), and every leaf is the same constant `(None, None)` — in CPython a constant of the code
 * object, here one tuple made once and increfed per use. The collector untracks tuples whose
 * items cannot be in a cycle (spec c.2), as CPython does: leaves at once, then whole subtrees.
 */
export function tupleTrees(rt: PyRuntime): TreeOps<number> {
  const None = rt.None;
  const leaf = rt.tuple.new([None, None]);
  if (leaf === 0) throw new Error('R2: out of memory');
  const make = (depth: number): number => {
    if (depth === 0) {
      rt.incref(leaf);
      return leaf;
    }
    const left = make(depth - 1);
    const right = make(depth - 1);
    const node = rt.tuple.alloc(2);
    if (node === 0) throw new Error('R2: out of memory');
    rt.tuple.init(node, 0, left);
    rt.tuple.init(node, 1, right);
    return node;
  };
  const check = (node: number): number => {
    const left = rt.tuple.get(node, 0);
    return left === None ? 1 : 1 + check(left) + check(rt.tuple.get(node, 1));
  };
  return { make, check, drop: (node) => rt.decref(node) };
}

/**
 * Bytes one allocated node takes from the allocator, over a depth-10 tree: the allocator's
 * bytesInUse grown by building it, divided by the blocks it took (shared leaves take none).
 * Leaves the heap as it was.
 */
export function bytesPerNode(w: RcWorld, ops: TreeOps<number>): number {
  const before = w.allocator.stats();
  const tree = ops.make(10);
  const after = w.allocator.stats();
  ops.drop(tree);
  return (after.bytesInUse - before.bytesInUse) / (after.blocksInUse - before.blocksInUse);
}
