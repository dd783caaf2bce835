/*
 * What happens to the unreachable set once it is known (CPython 3.13 Python/gc.c:
 * handle_weakrefs, finalize_garbage, handle_resurrected_objects, delete_garbage,
 * handle_legacy_finalizers; spec c.6 steps 10–16). From here on user code runs (weakref
 * callbacks, finalizers, tp_clear cascades): any call into the space may allocate or free,
 * so the memory's view is read again after each one, and objects may vanish from any list —
 * the refcount core's deallocating hook unlinks them.
 */
import {
  DEBUG_SAVEALL as DEBUG_SAVEALL_,
  OBF_FINALIZED as OBF_FINALIZED_,
  OBF_HAS_WEAKREFS as OBF_HAS_WEAKREFS_,
  OB_REFCNT_IDX as OB_REFCNT_IDX_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  TPFLAGS_HAS_CLEAR as TPFLAGS_HAS_CLEAR_,
  TPFLAGS_HAS_FINALIZE as TPFLAGS_HAS_FINALIZE_,
  TPFLAGS_HAS_LEGACY_DEL as TPFLAGS_HAS_LEGACY_DEL_,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TPFLAGS_WEAKREF as TPFLAGS_WEAKREF_,
  TPFLAGS_WEAKREFABLE as TPFLAGS_WEAKREFABLE_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  type Addr,
} from '@pyheap/interface';
import {
  GC_PREFIX_BYTES as GC_PREFIX_BYTES_,
  GC_TYPE_IDX as GC_TYPE_IDX_,
  HEAD_FINAL_UNREACHABLE as HEAD_FINAL_UNREACHABLE_,
  HEAD_SEEN as HEAD_SEEN_,
  HEAD_WRCB_TO_CALL as HEAD_WRCB_TO_CALL_,
  PREV_MASK_COLLECTING as PREV_MASK_COLLECTING_,
} from '../layout.js';
import { listClearCollecting, listInit, listIsEmpty, listMerge, listMove } from './gc-list.js';
import { clearUnreachableMask, deduceUnreachable } from './reachability.js';
import type { GcState } from './state.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0018).
const DEBUG_SAVEALL = DEBUG_SAVEALL_;
const OBF_FINALIZED = OBF_FINALIZED_;
const OBF_HAS_WEAKREFS = OBF_HAS_WEAKREFS_;
const OB_REFCNT_IDX = OB_REFCNT_IDX_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TPFLAGS_HAS_CLEAR = TPFLAGS_HAS_CLEAR_;
const TPFLAGS_HAS_FINALIZE = TPFLAGS_HAS_FINALIZE_;
const TPFLAGS_HAS_LEGACY_DEL = TPFLAGS_HAS_LEGACY_DEL_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const TPFLAGS_WEAKREF = TPFLAGS_WEAKREF_;
const TPFLAGS_WEAKREFABLE = TPFLAGS_WEAKREFABLE_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const GC_PREFIX_BYTES = GC_PREFIX_BYTES_;
const GC_TYPE_IDX = GC_TYPE_IDX_;
const HEAD_FINAL_UNREACHABLE = HEAD_FINAL_UNREACHABLE_;
const HEAD_SEEN = HEAD_SEEN_;
const HEAD_WRCB_TO_CALL = HEAD_WRCB_TO_CALL_;
const PREV_MASK_COLLECTING = PREV_MASK_COLLECTING_;

/**
 * handle_weakrefs (step 10). For each unreachable object: a weakref object is itself cleared
 * (its callback can never fire — bpo-38006); every weakref TO the object is cleared. A cleared
 * weakref with a callback is honoured only if the weakref itself is not garbage ("pretend the
 * weakref died first"): it is increfed and moved to wrcb_to_call. Only once everything is
 * cleared do the callbacks run; a weakref freed by our decref afterwards is counted (the
 * return value), one still alive moves to `old`.
 */
export function handleWeakrefs(state: GcState, unreachable: Addr, old: Addr): number {
  const space = state.space;
  const memory = state.memory;
  const scratch = state.weakrefScratch;
  const toCall = state.head(HEAD_WRCB_TO_CALL);
  let u32 = memory.u32;
  listInit(u32, toCall);
  // Weakrefs that are not tracked cannot ride on the lists; CPython's are always tracked.
  let untracked: Addr[] | null = null;

  let gc = u32[unreachable >>> 2];
  while (gc !== unreachable) {
    const next = u32[gc >>> 2];
    const op = gc + GC_PREFIX_BYTES;
    const typeWord = u32[(gc >>> 2) + GC_TYPE_IDX];
    const tflags = space.typeFlags[typeWord & TYPE_ID_MASK];
    if ((tflags & TPFLAGS_WEAKREF) !== 0) {
      space.clearWeakref(op);
      u32 = memory.u32;
    }
    if ((tflags & TPFLAGS_WEAKREFABLE) !== 0 && (typeWord & OBF_HAS_WEAKREFS) !== 0) {
      scratch.length = 0;
      space.takeWeakrefs(op, scratch);
      u32 = memory.u32;
      for (let i = 0; i < scratch.length; i++) {
        const wr = scratch[i];
        const wg = wr - GC_PREFIX_BYTES;
        const gcType =
          (space.typeFlags[u32[(wr >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) !== 0;
        if (gcType && (u32[(wg >>> 2) + 1] & PREV_MASK_COLLECTING) !== 0) continue; // garbage too
        space.incref(wr);
        if (gcType && u32[wg >>> 2] !== 0) {
          listMove(u32, wg, toCall);
        } else {
          (untracked ??= []).push(wr);
        }
      }
      scratch.length = 0;
    }
    gc = next;
  }

  let freed = 0;
  u32 = memory.u32;
  while (!listIsEmpty(u32, toCall)) {
    const wg = u32[toCall >>> 2];
    const wr = wg + GC_PREFIX_BYTES;
    callWeakrefCallback(state, wr);
    space.decref(wr);
    u32 = memory.u32;
    if (u32[toCall >>> 2] === wg) {
      listMove(u32, wg, old); // still alive
    } else {
      freed++;
    }
  }
  if (untracked !== null) {
    for (const wr of untracked) {
      callWeakrefCallback(state, wr);
      const last = memory.u32[(wr >>> 2) + OB_REFCNT_IDX] === 1;
      space.decref(wr);
      if (last) freed++;
    }
  }
  return freed;
}

function callWeakrefCallback(state: GcState, wr: Addr): void {
  state.userCodeRan = true;
  try {
    state.space.callWeakrefCallback(wr);
  } catch (error) {
    state.space.reportUnraisable(
      error,
      `Exception ignored in weakref callback of ${state.space.describe(wr)}`,
    );
  }
}

/**
 * finalize_garbage (step 11): take objects from the front of `collectable` one by one into
 * `seen`; call tp_finalize of each that has one and is not yet FINALIZED (setting the flag
 * first), holding a reference meanwhile. Objects may be freed from either list by the
 * finalizers; that is fine. `seen` becomes `collectable` again at the end.
 */
export function finalizeGarbage(state: GcState, collectable: Addr): void {
  const space = state.space;
  const memory = state.memory;
  const seen = state.head(HEAD_SEEN);
  let u32 = memory.u32;
  // Shortcut: with no finalizer to call the loop below would only move every object to `seen`
  // and back, leaving the list as it was.
  if (!hasFinalizerToCall(space.typeFlags, u32, collectable)) return;
  state.userCodeRan = true;
  listInit(u32, seen);
  while (u32[collectable >>> 2] !== collectable) {
    const gc = u32[collectable >>> 2];
    listMove(u32, gc, seen);
    const ti = (gc >>> 2) + GC_TYPE_IDX;
    const typeWord = u32[ti];
    if (
      (typeWord & OBF_FINALIZED) === 0 &&
      (space.typeFlags[typeWord & TYPE_ID_MASK] & TPFLAGS_HAS_FINALIZE) !== 0
    ) {
      u32[ti] = typeWord | OBF_FINALIZED;
      const op = gc + GC_PREFIX_BYTES;
      space.incref(op);
      try {
        space.finalize(op);
      } catch (error) {
        space.reportUnraisable(error, `Exception ignored while finalizing ${space.describe(op)}`);
      }
      space.decref(op);
      u32 = memory.u32;
    }
  }
  listMerge(u32, seen, collectable);
}

/** True when some object of the list has a tp_finalize that has not run yet. */
function hasFinalizerToCall(flags: Uint32Array, u32: Uint32Array, head: Addr): boolean {
  for (let gc = u32[head >>> 2]; gc !== head; gc = u32[gc >>> 2]) {
    const typeWord = u32[(gc >>> 2) + GC_TYPE_IDX];
    if (
      (typeWord & OBF_FINALIZED) === 0 &&
      (flags[typeWord & TYPE_ID_MASK] & TPFLAGS_HAS_FINALIZE) !== 0
    )
      return true;
  }
  return false;
}

/**
 * handle_resurrected_objects (step 12, the 3.9+ per-object rule of bpo-38379): recompute
 * reachability over the unreachable set alone. Objects now referenced from outside it —
 * resurrected by a finalizer — and everything they reach go to `old`; the rest is returned
 * as the final unreachable list (COLLECTING still set on its objects).
 */
export function handleResurrectedObjects(state: GcState, unreachable: Addr, old: Addr): Addr {
  const memory = state.memory;
  const finalUnreachable = state.head(HEAD_FINAL_UNREACHABLE);
  const u32 = memory.u32;
  listInit(u32, finalUnreachable);
  if (!state.userCodeRan) {
    // No finalizer or callback ran, so nothing can have referenced the set from outside:
    // the second pass would find every object still unreachable, in the same order.
    listMerge(u32, unreachable, finalUnreachable);
    return finalUnreachable;
  }
  listClearCollecting(u32, unreachable, PREV_MASK_COLLECTING);
  deduceUnreachable(state, u32, unreachable, finalUnreachable);
  clearUnreachableMask(u32, finalUnreachable);
  listMerge(u32, unreachable, old);
  return finalUnreachable;
}

/**
 * delete_garbage (step 14): with DEBUG_SAVEALL append each object to gc.garbage; otherwise
 * call its tp_clear, holding a reference meanwhile — dropping its references cascades
 * deallocation through the cycle. An object still first in the list afterwards is alive
 * (something still refers to it): clear COLLECTING and move it to `old`.
 */
export function deleteGarbage(state: GcState, collectable: Addr, old: Addr): void {
  const space = state.space;
  const saveAll = (state.debugFlags & DEBUG_SAVEALL) !== 0;
  let u32 = state.currentU32();
  while (u32[collectable >>> 2] !== collectable) {
    const gc = u32[collectable >>> 2];
    const op = gc + GC_PREFIX_BYTES;
    if (saveAll) {
      space.incref(op);
      state.garbage.push(op);
    } else if (
      (space.typeFlags[u32[(gc >>> 2) + GC_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAS_CLEAR) !==
      0
    ) {
      space.incref(op);
      try {
        space.clear(op);
      } catch (error) {
        space.reportUnraisable(error, `Exception ignored in tp_clear of ${space.typeName(op)}`);
      }
      space.decref(op);
      u32 = state.currentU32(); // user code ran: the host may have grown its memory
    }
    if (u32[collectable >>> 2] === gc) {
      u32[(gc >>> 2) + 1] &= ~PREV_MASK_COLLECTING;
      listMove(u32, gc, old);
    }
  }
}

/**
 * handle_legacy_finalizers (step 16): tp_del objects of `finalizers` (every object with
 * DEBUG_SAVEALL) go to gc.garbage, which holds a strong reference; the list joins `old`.
 */
export function handleLegacyFinalizers(state: GcState, finalizers: Addr, old: Addr): void {
  const space = state.space;
  const saveAll = (state.debugFlags & DEBUG_SAVEALL) !== 0;
  let u32 = state.memory.u32;
  for (let gc = u32[finalizers >>> 2]; gc !== finalizers; gc = u32[gc >>> 2]) {
    const op = gc + GC_PREFIX_BYTES;
    if (
      saveAll ||
      (space.typeFlags[u32[(gc >>> 2) + GC_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAS_LEGACY_DEL) !== 0
    ) {
      space.incref(op);
      state.garbage.push(op);
      u32 = state.memory.u32;
    }
  }
  listMerge(u32, finalizers, old);
}
