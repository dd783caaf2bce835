/**
 * R2 binary-trees (WORKLOADS.md; the Benchmarks Game program, single-threaded) at max depth
 * 18, min depth 4: a stretch tree of depth 19 built, checked and dropped; a long-lived tree of
 * depth 18; for each even depth d in 4..18, 2^(18 − d + 4) trees of depth d built, checked
 * and dropped; the long-lived tree checked. Timed: the whole program. Every check line must
 * match the Benchmarks Game output.
 *
 * The program is written once over `TreeOps`, so that each kind of node plugs in: plain JS
 * objects (V8's GC: `v8-objects`) and pyheap objects created and dropped through the
 * refcounting API (r2-refcount-trees.ts): 2-slot nodes with the generational collector
 * (`pyheap`) and without (`pyheap-rc`), and @pyheap/objects tuples built as CPython's
 * program builds them (`pyheap-tuples`). Tree depth is bounded (≤ 19), so the build and check recurse;
 * nothing here walks an unbounded graph.
 *
 * The pyheap rows and the CPython rows carry `objectBytes`: what one node takes from the
 * allocator (ours: pymalloc block incl. the collector prefix; CPython: a 2-tuple's pymalloc
 * block, GC header included).
 */
import type { Bench, Extra, MemoryReport, Mode, Workload } from '../bench.js';
import { objectVariant, type BenchEnv } from '../env.js';
import type { ObjectPackage } from '../object-model.js';
import {
  baseline,
  CollectionMeter,
  expectBaseline,
  memoryOf,
  once,
  rcWorld,
  registerSlotsType,
  runtimeWorld,
  RUNTIME_PACKAGES,
  type Baseline,
  type RcWorld,
} from '../pyheap-world.js';
import { checkPython } from './python-checks.js';
import { bytesPerNode, refcountTrees, tupleTrees } from './r2-refcount-trees.js';

export interface R2Params {
  readonly maxDepth: number;
  readonly minDepth: number;
}

export const R2_FULL: R2Params = { maxDepth: 18, minDepth: 4 };
export const R2_QUICK: R2Params = { maxDepth: 12, minDepth: 4 };

/** The Benchmarks Game reference output for depth 18. */
export const R2_REFERENCE_18: readonly string[] = [
  'stretch tree of depth 19\t check: 1048575',
  '262144\t trees of depth 4\t check: 8126464',
  '65536\t trees of depth 6\t check: 8323072',
  '16384\t trees of depth 8\t check: 8372224',
  '4096\t trees of depth 10\t check: 8384512',
  '1024\t trees of depth 12\t check: 8387584',
  '256\t trees of depth 14\t check: 8388352',
  '64\t trees of depth 16\t check: 8388544',
  '16\t trees of depth 18\t check: 8388592',
  'long lived tree of depth 18\t check: 524287',
];

/** How one kind of node builds, checks and drops trees (N = node reference type). */
export interface TreeOps<N> {
  /** A new tree of `depth` (depth 0 = one leaf node); the caller owns it. */
  make(depth: number): N;
  /** Node count of the tree (the Benchmarks Game's itemCheck). */
  check(tree: N): number;
  /** Give the tree up (decref for refcounted nodes; nothing for GC'd JS objects). */
  drop(tree: N): void;
}

/** The program; returns its output lines. */
export function binaryTrees<N>(ops: TreeOps<N>, p: R2Params): string[] {
  const lines: string[] = [];
  const maxDepth = Math.max(p.minDepth + 2, p.maxDepth);
  const stretchDepth = maxDepth + 1;
  const stretch = ops.make(stretchDepth);
  lines.push(`stretch tree of depth ${stretchDepth}\t check: ${ops.check(stretch)}`);
  ops.drop(stretch);
  const longLived = ops.make(maxDepth);
  for (let depth = p.minDepth; depth <= maxDepth; depth += 2) {
    const iterations = 2 ** (maxDepth - depth + p.minDepth);
    let check = 0;
    for (let i = 0; i < iterations; i++) {
      const t = ops.make(depth);
      check += ops.check(t);
      ops.drop(t);
    }
    lines.push(`${iterations}\t trees of depth ${depth}\t check: ${check}`);
  }
  lines.push(`long lived tree of depth ${maxDepth}\t check: ${ops.check(longLived)}`);
  ops.drop(longLived);
  return lines;
}

/** Output lines computed from the formula (node count of a depth-d tree = 2^(d+1) − 1). */
export function expectedR2Lines(p: R2Params): string[] {
  const maxDepth = Math.max(p.minDepth + 2, p.maxDepth);
  const out = [`stretch tree of depth ${maxDepth + 1}\t check: ${2 ** (maxDepth + 2) - 1}`];
  for (let depth = p.minDepth; depth <= maxDepth; depth += 2) {
    const iterations = 2 ** (maxDepth - depth + p.minDepth);
    out.push(
      `${iterations}\t trees of depth ${depth}\t check: ${iterations * (2 ** (depth + 1) - 1)}`,
    );
  }
  out.push(`long lived tree of depth ${maxDepth}\t check: ${2 ** (maxDepth + 1) - 1}`);
  return out;
}

/** Throws unless `lines` are the expected output (and, at depth 18, the reference output). */
export function verifyR2Lines(lines: readonly string[], p: R2Params, what: string): void {
  const want = p.maxDepth === 18 && p.minDepth === 4 ? R2_REFERENCE_18 : expectedR2Lines(p);
  if (lines.length !== want.length || lines.some((l, i) => l !== want[i])) {
    throw new Error(`${what}: check lines differ from the reference:\n${lines.join('\n')}`);
  }
}

// ── plain JS objects: the V8 peer ──────────────────────────────────────────────────────

class TreeNode {
  constructor(
    readonly left: TreeNode | null,
    readonly right: TreeNode | null,
  ) {}
}

function bottomUpTree(depth: number): TreeNode {
  return depth > 0
    ? new TreeNode(bottomUpTree(depth - 1), bottomUpTree(depth - 1))
    : new TreeNode(null, null);
}

function itemCheck(node: TreeNode): number {
  return node.left === null ? 1 : 1 + itemCheck(node.left) + itemCheck(node.right!);
}

export const JS_TREES: TreeOps<TreeNode> = {
  make: bottomUpTree,
  check: itemCheck,
  drop: () => {},
};

function treesBench<N>(
  variant: string,
  ops: TreeOps<N>,
  p: R2Params,
  mode: Mode,
  note?: string,
): Bench<{ lines: string[] }> {
  return {
    workload: 'R2',
    group: 'R2 binary-trees',
    variant,
    unit: 's',
    ops: 1,
    params: { maxDepth: p.maxDepth, minDepth: p.minDepth },
    note,
    setup: () => ({ lines: [] }),
    timed(s) {
      s.lines = binaryTrees(ops, p);
    },
    verify(s) {
      verifyR2Lines(s.lines, p, `R2 ${variant} (${mode})`);
    },
    teardown: () => ({ peakBytes: null, heldBytes: null }),
  };
}

// ── pyheap: the refcount API ────────────────────────────────────────────────────────────

/** What a pyheap R2 variant runs on: its heap, and how it makes trees there. */
export interface PyheapTrees {
  readonly world: RcWorld;
  readonly ops: TreeOps<number>;
  readonly note: string;
}

/** The pyheap variants: name → packages they need and how they build their trees. */
export const R2_PYHEAP: Readonly<
  Record<string, { packages: readonly ObjectPackage[]; make(env: BenchEnv): PyheapTrees }>
> = {
  pyheap: {
    packages: ['pymalloc', 'refcount', 'generational'],
    make(env) {
      const world = rcWorld(env.objects, {});
      const ops = refcountTrees(world.heap, registerSlotsType(world.heap, 'Node', 2), true);
      const note = 'refcount API, 2-slot nodes tracked, generational collector on at its defaults';
      return { world, ops, note };
    },
  },
  'pyheap-rc': {
    packages: ['pymalloc', 'refcount'],
    make(env) {
      const world = rcWorld(env.objects, null);
      const ops = refcountTrees(world.heap, registerSlotsType(world.heap, 'Node', 2), false);
      return { world, ops, note: 'refcount API, 2-slot nodes, no collector' };
    },
  },
  'pyheap-tuples': {
    packages: RUNTIME_PACKAGES,
    make(env) {
      const world = runtimeWorld(env.objects, {});
      const note =
        "@pyheap/objects tuples as CPython's program: a shared (None, None) leaf, lazy untracking; generational collector on at its defaults";
      return { world, ops: tupleTrees(world.rt), note };
    },
  },
};

interface R2State {
  readonly base: Baseline;
  lines: string[];
}

/** One R2 bench on pyheap; the trees' world is made once, at the first setup (warm heap). */
export function r2PyheapBench(
  variant: string,
  makeTrees: () => PyheapTrees,
  p: R2Params,
  mode: Mode,
): Bench<R2State> {
  const trees = once(() => {
    const t = makeTrees();
    const c = t.world.collector;
    return {
      ...t,
      meter: c === null ? null : new CollectionMeter(c),
      bytes: bytesPerNode(t.world, t.ops),
    };
  });
  return {
    workload: 'R2',
    group: 'R2 binary-trees',
    variant,
    unit: 's',
    ops: 1,
    params: { maxDepth: p.maxDepth, minDepth: p.minDepth },
    setup: () => ({ base: baseline(trees().world), lines: [] }),
    timed(s) {
      const { ops, meter } = trees();
      meter?.begin();
      s.lines = binaryTrees(ops, p);
      meter?.end();
    },
    verify(s) {
      verifyR2Lines(s.lines, p, `R2 ${variant} (${mode})`);
      expectBaseline(trees().world, s.base, `R2 ${variant} (${mode})`);
    },
    extra(): Extra {
      const { meter, bytes } = trees();
      const out: Extra = { objectBytes: bytes };
      if (meter !== null) {
        Object.assign(out, meter.extra());
        out.gcCollected = meter.collected();
      }
      return out;
    },
    teardown(): MemoryReport {
      const t = trees();
      return { ...memoryOf(t.world), note: `${t.note}; warm heap` };
    },
  };
}

function paramsFor(mode: Mode): R2Params {
  return mode === 'quick' ? R2_QUICK : R2_FULL;
}

export const R2: Workload<BenchEnv> = {
  id: 'R2',
  title: 'binary-trees',
  summary:
    'Benchmarks Game binary-trees, depth 18, nodes = 2-slot objects created and dropped. Whole program, seconds; check lines must match.',
  reference: 'cpython',
  variants: (env) => [
    ...Object.entries(R2_PYHEAP).map(([name, v]) => objectVariant(name, v.packages, env)),
    { name: 'v8-objects', available: true },
  ],
  benches(variant, env, { mode }) {
    const p = paramsFor(mode);
    if (variant === 'v8-objects')
      return [treesBench(variant, JS_TREES, p, mode, 'plain JS objects, V8 GC') as Bench];
    const pyheap = R2_PYHEAP[variant];
    if (pyheap !== undefined)
      return [r2PyheapBench(variant, () => pyheap.make(env), p, mode) as Bench];
    throw new Error(`R2 has no variant '${variant}'`);
  },
  python: {
    script: 'r2_binary_trees.py',
    group: 'R2 binary-trees',
    args: ({ mode }) => ['--depth', String(paramsFor(mode).maxDepth)],
    // ~8–9 s per run on CPython 3.11: 3 timed runs after the warm-up (said in the row's note).
    runs: ({ mode }, requested) => (mode === 'full' ? Math.min(requested, 3) : requested),
    verify(result, { mode }) {
      const p = paramsFor(mode);
      checkPython(result, 'R2', (c) => {
        try {
          verifyR2Lines(c.lines as string[], p, 'R2');
          return null;
        } catch (e) {
          return (e as Error).message;
        }
      });
    },
  },
};
