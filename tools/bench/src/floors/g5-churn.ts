/**
 * The floor under G5 in V8 (BENCHMARKS.md, "Where the misses stand"):
 * `node --conditions=@pyheap/source --import tsx tools/bench/src/floors/g5-churn.ts [freelist|pymalloc]`.
 *
 * G5's memory work for one iteration, written as one module of plain functions over one
 * Uint32Array — no packages, no argument checks, no counters or stats, no hooks, literal
 * constants: allocate two 24-byte blocks (8-byte collector prefix, refcount, type, one slot),
 * initialise them, link them into generation 0, make the 2-cycle with its refcounts, drop it;
 * every 2,000 allocations (3.13's threshold 0) a collection of generation 0 as CPython runs it:
 * update_refs, subtract_refs, move_unreachable, move_legacy_finalizers' pass, then
 * delete_garbage (clear a: b dies and is freed; a dies and is freed), each free unlinking its
 * object and decrementing the count.
 *
 * The blocks come from one of two allocators, chosen by the argument (both, each in its own
 * process, when there is none, so that neither makes the other's call sites polymorphic):
 * - `freelist`: a LIFO list of 24-byte blocks (what no general allocator can beat);
 * - `pymalloc`: `@pyheap/pymalloc`'s malloc and free, as the bench's G5 uses.
 * Prints the median of 5 timed runs of 5,000,000 iterations, after a warm-up. What the real
 * G5 takes above the `pymalloc` line is the price of the refcount core and the collector as
 * packages: validation, counters, hooks, stats, the general paths.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPymalloc } from '@pyheap/pymalloc';

const ITERATIONS = 5_000_000;
const THRESHOLD = 2000;
// Word offsets from a block: prefix (gc_next, gc_prev), then the object (refcount, type, slot).
const NEXT = 0;
const PREV = 1;
const RC = 2;
const TYPE = 3;
const SLOT = 4;
const PREFIX_BYTES = 8;
const BLOCK_BYTES = 24;
const CELL_TYPE = 5;
const HAVE_GC = 1;
const HAS_LEGACY_DEL = 8;
const TYPE_MASK = 0xffff;
// gc_prev while collecting: gc_refs << 2 | COLLECTING; gc_next's low bit: unreachable.
const COLLECTING = 2;
const UNREACHABLE = 1;
const REFS_SHIFT = 2;
const FLAG_BITS = 3;

const mode = process.argv[2];
if (mode === undefined) {
  for (const m of ['freelist', 'pymalloc']) {
    const self = fileURLToPath(import.meta.url);
    process.stdout.write(execFileSync(process.execPath, [...process.execArgv, self, m]));
  }
  process.exit(0);
}
if (mode !== 'freelist' && mode !== 'pymalloc') {
  throw new Error(`g5-churn: allocator must be freelist or pymalloc, not ${mode}`);
}

const pymalloc = createPymalloc();
const u32 = pymalloc.memory.u32;
const usePymalloc = mode === 'pymalloc';
const typeFlags = new Uint32Array(64);
typeFlags[CELL_TYPE] = HAVE_GC;
const heads = pymalloc.malloc(16);
const GEN0 = heads;
const UNREACH = heads + 8;
for (const h of [GEN0, UNREACH]) {
  u32[(h >>> 2) + NEXT] = h;
  u32[(h >>> 2) + PREV] = h;
}
let freeList = 0;
let count0 = 0;
let freed = 0;
/** Milliseconds spent inside collections (the bench's gcSeconds, from its callbacks). */
let inCollections = 0;

function blockAlloc(): number {
  if (usePymalloc) return pymalloc.malloc(BLOCK_BYTES);
  const b = freeList;
  if (b !== 0) {
    freeList = u32[b >>> 2];
    return b;
  }
  return pymalloc.malloc(BLOCK_BYTES);
}

function blockFree(b: number): void {
  if (usePymalloc) {
    pymalloc.free(b);
    return;
  }
  u32[b >>> 2] = freeList;
  freeList = b;
}

function alloc(): number {
  const b = blockAlloc();
  const w = b >>> 2;
  u32[w + NEXT] = 0;
  u32[w + PREV] = 0;
  u32[w + RC] = 1;
  u32[w + TYPE] = CELL_TYPE;
  u32[w + SLOT] = 0;
  u32[w + 5] = 0;
  if (++count0 > THRESHOLD) {
    const t0 = performance.now();
    collect();
    inCollections += performance.now() - t0;
  }
  return b + PREFIX_BYTES;
}

function track(obj: number): void {
  const g = obj - PREFIX_BYTES;
  const h = GEN0 >>> 2;
  const last = u32[h + PREV];
  u32[(g >>> 2) + NEXT] = GEN0;
  u32[(g >>> 2) + PREV] = last;
  u32[last >>> 2] = g;
  u32[h + PREV] = g;
}

function release(obj: number): void {
  const g = obj - PREFIX_BYTES;
  const gi = g >>> 2;
  if (u32[gi + NEXT] !== 0) {
    const next = u32[gi + NEXT] & ~FLAG_BITS;
    const prev = u32[gi + PREV] & ~FLAG_BITS;
    u32[prev >>> 2] = (u32[prev >>> 2] & FLAG_BITS) | next;
    u32[(next >>> 2) + PREV] = (u32[(next >>> 2) + PREV] & FLAG_BITS) | prev;
  }
  if (count0 > 0) count0--;
  u32[gi + RC] = 0;
  u32[gi + TYPE] = 0;
  blockFree(g);
  freed++;
}

function decref(obj: number): void {
  const i = obj >>> 2;
  const rc = u32[i];
  if (rc > 1) {
    u32[i] = rc - 1;
    return;
  }
  u32[i] = 0;
  const child = u32[i + SLOT - RC];
  if (child !== 0) {
    u32[i + SLOT - RC] = 0;
    decref(child);
  }
  release(obj);
}

function collect(): void {
  count0 = 0;
  const y = GEN0 >>> 2;
  // update_refs
  for (let g = u32[y]; g !== GEN0; g = u32[g >>> 2]) {
    u32[(g >>> 2) + PREV] = (u32[(g >>> 2) + RC] << REFS_SHIFT) | COLLECTING;
  }
  // subtract_refs
  for (let g = u32[y]; g !== GEN0; g = u32[g >>> 2]) {
    const gi = g >>> 2;
    const ref = u32[gi + SLOT];
    if (ref === 0) continue;
    const r = ref >>> 2;
    if ((typeFlags[u32[r + TYPE - RC] & TYPE_MASK] & HAVE_GC) === 0) continue;
    const p = r - RC + PREV;
    const prev = u32[p];
    if ((prev & COLLECTING) !== 0) u32[p] = prev - (1 << REFS_SHIFT);
  }
  // move_unreachable (nothing here is reachable, but each object's gc_refs is tested)
  const un = UNREACH >>> 2;
  let prev = GEN0;
  let g = u32[y];
  while (g !== GEN0) {
    const gi = g >>> 2;
    if (u32[gi + PREV] >>> REFS_SHIFT !== 0) {
      u32[gi + PREV] = prev;
      prev = g;
    } else {
      u32[(prev >>> 2) + NEXT] = u32[gi + NEXT];
      const last = u32[un + PREV];
      u32[last >>> 2] = UNREACHABLE | g;
      u32[gi + PREV] = (u32[gi + PREV] & FLAG_BITS) | last;
      u32[gi + NEXT] = UNREACHABLE | UNREACH;
      u32[un + PREV] = g;
    }
    g = u32[(prev >>> 2) + NEXT];
  }
  u32[y + PREV] = prev;
  u32[y] &= ~FLAG_BITS;
  u32[un] &= ~FLAG_BITS;
  // move_legacy_finalizers' walk: strip the unreachable bit, look at each type
  let needs = 0;
  for (let h = u32[un]; h !== UNREACH;) {
    const hi = h >>> 2;
    const next = (u32[hi] & ~FLAG_BITS) >>> 0;
    u32[hi] = next;
    needs |= typeFlags[u32[hi + TYPE] & TYPE_MASK] & HAS_LEGACY_DEL;
    h = next;
  }
  if (needs !== 0) throw new Error('g5-churn: no type here has a legacy finalizer');
  // delete_garbage: hold, clear the slot (the partner dies), drop the hold (this one dies)
  while (u32[un] !== UNREACH) {
    const op = u32[un] + PREFIX_BYTES;
    const oi = op >>> 2;
    u32[oi]++;
    const child = u32[oi + SLOT - RC];
    if (child !== 0) {
      u32[oi + SLOT - RC] = 0;
      decref(child);
    }
    decref(op);
  }
}

function churn(n: number): void {
  for (let i = 0; i < n; i++) {
    const a = alloc();
    track(a);
    const b = alloc();
    track(b);
    u32[a >>> 2]++;
    u32[(b >>> 2) + SLOT - RC] = a;
    u32[(a >>> 2) + SLOT - RC] = b;
    decref(a);
  }
}

churn(ITERATIONS / 10);
const times: number[] = [];
const inside: number[] = [];
for (let run = 0; run < 5; run++) {
  freed = 0;
  inCollections = 0;
  const t0 = performance.now();
  churn(ITERATIONS);
  times.push(performance.now() - t0);
  inside.push(inCollections);
  // The last young cycles are still linked: the next run's collections free them.
  if (freed < 2 * ITERATIONS - 2 * THRESHOLD) throw new Error(`g5-churn: freed only ${freed}`);
}
times.sort((x, y) => x - y);
inside.sort((x, y) => x - y);
const s = times[2] / 1000;
const perObject = (ms: number): string => ((ms * 1e6) / (2 * ITERATIONS)).toFixed(1);
console.log(
  `${mode.padEnd(9)} ${s.toFixed(3)} s median of 5 [${(times[0] / 1000).toFixed(3)}–${(times[4] / 1000).toFixed(3)}]` +
    ` = ${perObject(times[2])} ns per object, of which ${perObject(inside[2])} inside collections`,
);
