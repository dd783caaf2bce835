/*
 * One collection: CPython 3.13's gc_collect_main (Python/gc.c; 3.12: Modules/gcmodule.c
 * gc_collect_main + gc_collect_with_callback), steps 0–20 of spec c.6, and the choice of the
 * generation for automatic collections (gc_select_generation, spec c.5).
 */
import {
  DEBUG_COLLECTABLE as DEBUG_COLLECTABLE_,
  DEBUG_STATS as DEBUG_STATS_,
  DEBUG_UNCOLLECTABLE as DEBUG_UNCOLLECTABLE_,
  OBF_FINALIZED as OBF_FINALIZED_,
  OBF_HAS_WEAKREFS as OBF_HAS_WEAKREFS_,
  TPFLAGS_HAS_FINALIZE as TPFLAGS_HAS_FINALIZE_,
  TPFLAGS_HAS_LEGACY_DEL as TPFLAGS_HAS_LEGACY_DEL_,
  TPFLAGS_WEAKREF as TPFLAGS_WEAKREF_,
  TPFLAGS_UNTRACK_DICT as TPFLAGS_UNTRACK_DICT_,
  TPFLAGS_UNTRACK_TUPLE as TPFLAGS_UNTRACK_TUPLE_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  fail,
  pythonTypeName,
  type CollectCallback,
  type CollectInfo,
  type CollectPhase,
  type CollectResult,
} from '@pyheap/interface';
import {
  GC_PREFIX_BYTES as GC_PREFIX_BYTES_,
  GC_TYPE_IDX as GC_TYPE_IDX_,
  HEAD_FINALIZERS as HEAD_FINALIZERS_,
  HEAD_UNREACHABLE as HEAD_UNREACHABLE_,
  LINK_FLAGS_MASK as LINK_FLAGS_MASK_,
  NUM_GENERATIONS as NUM_GENERATIONS_,
  PREV_MASK_COLLECTING as PREV_MASK_COLLECTING_,
} from '../layout.js';
import { checkState } from './check.js';
import {
  deleteGarbage,
  finalizeGarbage,
  handleLegacyFinalizers,
  handleResurrectedObjects,
  handleWeakrefs,
} from './garbage.js';
import { listInit, listMerge, listMove, listRemove, listSize } from './gc-list.js';
import { deduceUnreachable, moveLegacyFinalizerReachable } from './reachability.js';
import type { GcState } from './state.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0018).
const DEBUG_COLLECTABLE = DEBUG_COLLECTABLE_;
const DEBUG_STATS = DEBUG_STATS_;
const DEBUG_UNCOLLECTABLE = DEBUG_UNCOLLECTABLE_;
const OBF_FINALIZED = OBF_FINALIZED_;
const OBF_HAS_WEAKREFS = OBF_HAS_WEAKREFS_;
const TPFLAGS_HAS_FINALIZE = TPFLAGS_HAS_FINALIZE_;
const TPFLAGS_HAS_LEGACY_DEL = TPFLAGS_HAS_LEGACY_DEL_;
const TPFLAGS_WEAKREF = TPFLAGS_WEAKREF_;
const TPFLAGS_UNTRACK_DICT = TPFLAGS_UNTRACK_DICT_;
const TPFLAGS_UNTRACK_TUPLE = TPFLAGS_UNTRACK_TUPLE_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const GC_PREFIX_BYTES = GC_PREFIX_BYTES_;
const GC_TYPE_IDX = GC_TYPE_IDX_;
const HEAD_FINALIZERS = HEAD_FINALIZERS_;
const HEAD_UNREACHABLE = HEAD_UNREACHABLE_;
const LINK_FLAGS_MASK = LINK_FLAGS_MASK_;
const NUM_GENERATIONS = NUM_GENERATIONS_;
const PREV_MASK_COLLECTING = PREV_MASK_COLLECTING_;

const LINK_MASK = ~LINK_FLAGS_MASK;

/**
 * gc_select_generation: the oldest generation whose count exceeds its threshold, except that
 * generation 2 is skipped while long_lived_pending < long_lived_total / 4 (issue #4074: full
 * collections only when the objects awaiting their first one exceed 25% of the survivors of
 * the last one). −1 when no generation qualifies.
 */
export function selectGeneration(state: GcState): number {
  const counts = state.counts;
  const thresholds = state.thresholds;
  for (let i = NUM_GENERATIONS - 1; i >= 0; i--) {
    if (counts[i] > thresholds[i]) {
      if (
        i === NUM_GENERATIONS - 1 &&
        state.longLivedPending < Math.trunc(state.longLivedTotal / 4)
      ) {
        continue;
      }
      return i;
    }
  }
  return -1;
}

/** The "automatic collection wanted" test run after each GC allocation (c.4). */
export function wantsCollection(state: GcState): boolean {
  const t0 = state.thresholds[0];
  return state.counts[0] > t0 && state.enabled && t0 !== 0 && !state.collecting;
}

/**
 * Run one collection of `generation`, or of the generation selectGeneration picks when
 * `generation` is −1 (automatic). Returns null when nothing ran: a collection was already
 * running (CPython returns 0), or no generation qualified (no callbacks are invoked then).
 * `callbacks` false is the shutdown collection (_Py_GC_REASON_SHUTDOWN): gc.callbacks are not
 * invoked; everything else, stats included, is as for any collection.
 */
export function collectMain(
  state: GcState,
  generation: number,
  callbacks = true,
): CollectResult | null {
  if (state.collecting) return null;
  state.collecting = true;
  try {
    if (generation < 0) {
      generation = selectGeneration(state);
      if (generation < 0) return null;
    }
    return runCollection(state, generation, callbacks);
  } finally {
    state.collecting = false;
  }
}

function runCollection(state: GcState, generation: number, callbacks: boolean): CollectResult {
  const space = state.space;
  const memory = state.memory;
  state.userCodeRan = false;
  if (callbacks) invokeCallbacks(state, 'start', generation, 0, 0);

  // Step 0: DEBUG_STATS header, sizes before anything moves.
  let t1 = 0;
  if ((state.debugFlags & DEBUG_STATS) !== 0) {
    const u32 = memory.u32;
    state.sink(`gc: collecting generation ${generation}...`);
    state.sink(
      `gc: objects in each generation: ${listSize(u32, state.genHead(0))} ${listSize(u32, state.genHead(1))} ${listSize(u32, state.genHead(2))}`,
    );
    state.sink(`gc: objects in permanent generation: ${listSize(u32, state.permanent)}`);
    t1 = performance.now();
  }

  // Step 1: counters.
  if (generation + 1 < NUM_GENERATIONS) state.counts[generation + 1] += 1;
  for (let i = 0; i <= generation; i++) state.counts[i] = 0;

  // Step 2: collecting g collects every younger generation too.
  let u32 = memory.u32;
  const young = state.genHead(generation);
  for (let i = 0; i < generation; i++) listMerge(u32, state.genHead(i), young);
  const old = generation < NUM_GENERATIONS - 1 ? state.genHead(generation + 1) : young;

  // Steps 3–5: gc_refs, internal references, the unreachable split.
  const unreachable = state.head(HEAD_UNREACHABLE);
  listInit(u32, unreachable);
  deduceUnreachable(state, u32, young, unreachable);

  // Step 6: tuples whose items cannot be in a cycle leave the collector (every collection).
  untrackIf(state, young, TPFLAGS_UNTRACK_TUPLE);
  u32 = memory.u32;

  // Step 7: promote survivors, long-lived accounting; dicts only on full collections (bpo-14775).
  if (young !== old) {
    if (generation === NUM_GENERATIONS - 2) state.longLivedPending += listSize(u32, young);
    listMerge(u32, young, old);
  } else {
    untrackIf(state, young, TPFLAGS_UNTRACK_DICT);
    u32 = memory.u32;
    state.longLivedPending = 0;
    state.longLivedTotal = listSize(u32, young);
  }

  // Step 8: legacy finalizers (tp_del) and everything unreachable they reach are
  // uncollectable. This also strips NEXT_MASK_UNREACHABLE: unreachable is a normal list after.
  const finalizers = state.head(HEAD_FINALIZERS);
  listInit(u32, finalizers);
  const needs = moveLegacyFinalizers(state, u32, unreachable, finalizers);
  moveLegacyFinalizerReachable(state, u32, finalizers);

  // Step 9.
  if ((state.debugFlags & DEBUG_COLLECTABLE) !== 0) {
    for (let gc = u32[unreachable >>> 2]; gc !== unreachable; gc = u32[gc >>> 2]) {
      state.sink(`gc: collectable ${space.describe(gc + GC_PREFIX_BYTES)}`);
    }
  }

  // Step 10: clear weakrefs to the garbage, run the callbacks that must run.
  let m = (needs & HAS_WEAKREFS) !== 0 ? handleWeakrefs(state, unreachable, old) : 0;

  // Step 11: PEP 442 finalizers, each at most once in an object's life.
  if ((needs & HAS_FINALIZERS) !== 0) finalizeGarbage(state, unreachable);

  // Step 12: what the finalizers resurrected survives, with everything it reaches.
  const finalUnreachable = handleResurrectedObjects(state, unreachable, old);

  // Step 14: counted before clearing, so objects that survive their tp_clear still count.
  // When nothing can have moved since move_legacy_finalizers (no legacy finalizer, weakref,
  // PEP 442 finalizer or user code), its count is the list's size: one pass fewer.
  u32 = memory.u32;
  const unchanged = needs === 0 && !state.userCodeRan && u32[finalizers >>> 2] === finalizers;
  const collectable =
    unchanged && !state.debug ? state.unreachableKept : listSize(u32, finalUnreachable);
  if (state.debug && unchanged && collectable !== state.unreachableKept) {
    fail('E_CORRUPT_HEAP', `collect: ${collectable} unreachable, counted ${state.unreachableKept}`);
  }
  m += collectable;
  deleteGarbage(state, finalUnreachable, old);

  // Step 15: the uncollectable.
  u32 = memory.u32;
  let n = 0;
  const printUncollectable = (state.debugFlags & DEBUG_UNCOLLECTABLE) !== 0;
  for (let gc = u32[finalizers >>> 2]; gc !== finalizers; gc = u32[gc >>> 2]) {
    n++;
    if (printUncollectable) state.sink(`gc: uncollectable ${space.describe(gc + GC_PREFIX_BYTES)}`);
  }
  if ((state.debugFlags & DEBUG_STATS) !== 0) {
    const secs = (performance.now() - t1) / 1000;
    state.sink(`gc: done, ${n + m} unreachable, ${n} uncollectable, ${secs.toFixed(4)}s elapsed`);
  }

  // Step 16: tp_del objects (all of them with DEBUG_SAVEALL) go to gc.garbage.
  handleLegacyFinalizers(state, finalizers, old);

  // Step 17: free lists are emptied by full collections.
  if (generation === NUM_GENERATIONS - 1 && space.clearFreeLists !== undefined) {
    space.clearFreeLists();
  }

  // Step 19: stats go to generation g only, although younger generations were merged in.
  state.statCollections[generation] += 1;
  state.statCollected[generation] += m;
  state.statUncollectable[generation] += n;

  state.batch.settle();
  if (state.debug) checkState(state);

  // Step 20.
  if (callbacks) invokeCallbacks(state, 'stop', generation, m, n);
  return { generation, collected: m, uncollectable: n };
}

/** What the unreachable set needs after move_legacy_finalizers (bits of its return value). */
const HAS_WEAKREFS = 1;
const HAS_FINALIZERS = 2;

/**
 * move_legacy_finalizers: walk `unreachable`, strip NEXT_MASK_UNREACHABLE from every link,
 * and move objects whose type has tp_del to `finalizers` (clearing COLLECTING). The same walk
 * notes whether any remaining object is or has a weakref (HAS_WEAKREFS) or has a finalizer
 * still to run (HAS_FINALIZERS), so that steps 10 and 11 can skip their walks when not.
 */
function moveLegacyFinalizers(
  state: GcState,
  u32: Uint32Array,
  unreachable: number,
  finalizers: number,
): number {
  const flags = state.space.typeFlags;
  let needs = 0;
  let kept = 0;
  let gc = u32[unreachable >>> 2];
  while (gc !== unreachable) {
    const gi = gc >>> 2;
    // >>> 0: an address, not a signed int (a mixed int/uint32 `gc` becomes a double in V8).
    const next = (u32[gi] & LINK_MASK) >>> 0;
    u32[gi] = next;
    const typeWord = u32[gi + GC_TYPE_IDX];
    const tflags = flags[typeWord & TYPE_ID_MASK];
    if ((tflags & TPFLAGS_HAS_LEGACY_DEL) !== 0) {
      u32[gi + 1] &= ~PREV_MASK_COLLECTING;
      listMove(u32, gc, finalizers);
    } else {
      kept++;
      if ((tflags & TPFLAGS_WEAKREF) !== 0 || (typeWord & OBF_HAS_WEAKREFS) !== 0)
        needs |= HAS_WEAKREFS;
      if ((tflags & TPFLAGS_HAS_FINALIZE) !== 0 && (typeWord & OBF_FINALIZED) === 0)
        needs |= HAS_FINALIZERS;
    }
    gc = next;
  }
  state.unreachableKept = kept;
  return needs;
}

/**
 * untrack_tuples / untrack_dicts: untrack every object of `head` whose type has `flag` and
 * whose items cannot be part of a cycle (ObjectSpace.mayUntrack, which should only read).
 */
function untrackIf(state: GcState, head: number, flag: number): void {
  const space = state.space;
  const flags = space.typeFlags;
  let u32 = state.memory.u32;
  let gc = u32[head >>> 2];
  while (gc !== head) {
    const gi = gc >>> 2;
    const next = u32[gi];
    if ((flags[u32[gi + GC_TYPE_IDX] & TYPE_ID_MASK] & flag) !== 0) {
      const untrack = space.mayUntrack(gc + GC_PREFIX_BYTES);
      u32 = state.memory.u32; // a type's mayUntrack is user code
      if (untrack) {
        listRemove(u32, gc);
        u32[gi + 1] = 0;
      }
    }
    gc = next;
  }
}

/**
 * invoke_gc_callback: every callback in list order with one shared info object; an exception
 * is reported as unraisable and the next callback still runs. The list may change meanwhile.
 * `gc.callbacks` is a plain list, so an entry may be anything: calling a non-callable one is a
 * TypeError reported like any other (CPython: "'NoneType' object is not callable", once per
 * phase), never an end to the collection.
 */
export function invokeCallbacks(
  state: GcState,
  phase: CollectPhase,
  generation: number,
  collected: number,
  uncollectable: number,
): void {
  const callbacks = state.callbacks;
  if (callbacks.length === 0) return;
  const info: CollectInfo = { generation, collected, uncollectable };
  for (let i = 0; i < callbacks.length; i++) {
    const cb: unknown = callbacks[i];
    try {
      if (typeof cb !== 'function') {
        fail('E_TYPE_ERROR', `'${pythonTypeName(cb)}' object is not callable`);
      }
      (cb as CollectCallback)(phase, info);
    } catch (error) {
      // PyErr_WriteUnraisable(cb): the report names the callback by its repr.
      state.space.reportUnraisable(error, `Exception ignored in: ${callbackRepr(cb)}`);
    }
  }
}

/**
 * Python's repr of a gc.callbacks entry, as far as JS values have one: `<function name>` (a
 * nameless arrow function is Python's `<lambda>`; JS functions have no address to print),
 * `None` for null and undefined, the value itself otherwise.
 */
function callbackRepr(cb: unknown): string {
  if (typeof cb === 'function') return `<function ${cb.name || '<lambda>'}>`;
  if (cb === null || cb === undefined) return 'None';
  return typeof cb === 'string' ? `'${cb}'` : String(cb);
}
