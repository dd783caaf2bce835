/**
 * The floor under G4 in V8 (BENCHMARKS.md, "Where the misses stand"):
 * `node --import tsx tools/bench/src/floors/g4-visits.ts`.
 *
 * G4 visits 499,500 references twice per collection, all to the same object: once in
 * subtract_refs (visit_decref: type flags, COLLECTING, gc_refs − 1) and once in
 * move_unreachable (visit_reachable: type flags, COLLECTING, the unreachable bit, gc_refs). This
 * runs only those visit bodies over a flat array of 500,000 references — no list walk, no
 * objects, literal constants — in the memory layout the collector uses, and prints the median of
 * 25 timed runs of each pass. Their sum is what no implementation of those two passes in
 * JavaScript on this V8 can go below; the target for G4 (half of CPython 3.12's collection) is
 * compared with it.
 */
// Module-local constants (V8 folds them; docs/decisions/0018).
const PREFIX_WORDS = 2;
const COLLECTING = 2;
const UNREACHABLE = 1;
const SHIFT = 2;
const REFS_ONE = 4;
const TYPE_IDX = 1;
const TYPE_MASK = 0xffff;
const HAVE_GC = 1;

const REFS = 500_000;
const memory = new WebAssembly.Memory({ initial: 256 });
const u32 = new Uint32Array(memory.buffer);
const typeFlags = new Uint32Array(64);
typeFlags[5] = HAVE_GC;
const target = 4000; // an object whose prefix starts at 3992
u32[(target >>> 2) + TYPE_IDX] = 5;
const items = 100_000; // word index of the reference array
for (let k = 0; k < REFS; k++) u32[items + k] = target;
const prevWord = (target >>> 2) - PREFIX_WORDS + 1;

function decrefPass(): number {
  let zeros = 0;
  for (let k = items + REFS - 1; k >= items; k--) {
    const o = u32[k] >>> 2;
    if ((typeFlags[u32[o + TYPE_IDX] & TYPE_MASK] & HAVE_GC) === 0) continue;
    const p = o - PREFIX_WORDS + 1;
    const prev = u32[p];
    if ((prev & COLLECTING) === 0) continue;
    u32[p] = prev - REFS_ONE;
    if (prev >>> SHIFT === 1) zeros++;
  }
  return zeros;
}

function reachablePass(): number {
  let effects = 0;
  for (let k = items + REFS - 1; k >= items; k--) {
    const o = u32[k] >>> 2;
    if ((typeFlags[u32[o + TYPE_IDX] & TYPE_MASK] & HAVE_GC) === 0) continue;
    const g = o - PREFIX_WORDS;
    const prev = u32[g + 1];
    if ((prev & COLLECTING) === 0) continue;
    if ((u32[g] & UNREACHABLE) !== 0) effects++;
    else if (prev >>> SHIFT === 0) effects++;
  }
  return effects;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const decref: number[] = [];
const reachable: number[] = [];
for (let run = 0; run < 35; run++) {
  u32[prevWord] = ((REFS + 1) << SHIFT) | COLLECTING;
  const t0 = performance.now();
  const zeros = decrefPass();
  const t1 = performance.now();
  const effects = reachablePass();
  const t2 = performance.now();
  if (zeros !== 0 || effects !== 0) throw new Error('floor: the passes did not run as planned');
  if (run >= 10) {
    decref.push(t1 - t0);
    reachable.push(t2 - t1);
  }
}
const d = median(decref);
const r = median(reachable);
console.log(`visit_decref pass     ${d.toFixed(3)} ms (${((d * 1e6) / REFS).toFixed(2)} ns/visit)`);
console.log(`visit_reachable pass  ${r.toFixed(3)} ms (${((r * 1e6) / REFS).toFixed(2)} ns/visit)`);
console.log(`floor of one G4 collection ≈ ${(d + r).toFixed(3)} ms`);
