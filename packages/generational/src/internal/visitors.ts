/*
 * The traversal visitors of a collection — CPython's visit_decref, visit_reachable and
 * visit_move (Python/gc.c) — as long-lived visitor objects for `ObjectSpace.traverse`, and
 * their bodies as plain functions that reachability.ts's inline walks (ObjectSpace.refLayout)
 * call directly.
 */
import {
  OB_TYPE_IDX as OB_TYPE_IDX_,
  REFS_INLINE as REFS_INLINE_,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  fail,
  hexAddr,
  type Addr,
  type Visitor,
} from '@pyheap/interface';
import {
  GC_PREFIX_BYTES as GC_PREFIX_BYTES_,
  LINK_FLAGS_MASK as LINK_FLAGS_MASK_,
  NEXT_MASK_UNREACHABLE as NEXT_MASK_UNREACHABLE_,
  PREFIX_WORDS as PREFIX_WORDS_,
  PREV_FLAGS_MASK as PREV_FLAGS_MASK_,
  PREV_MASK_COLLECTING as PREV_MASK_COLLECTING_,
  PREV_REFS_ONE as PREV_REFS_ONE_,
  PREV_SHIFT as PREV_SHIFT_,
} from '../layout.js';
import { listMove } from './gc-list.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0018).
const OB_TYPE_IDX = OB_TYPE_IDX_;
const REFS_INLINE = REFS_INLINE_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const GC_PREFIX_BYTES = GC_PREFIX_BYTES_;
const NEXT_MASK_UNREACHABLE = NEXT_MASK_UNREACHABLE_;
const PREFIX_WORDS = PREFIX_WORDS_;
const PREV_FLAGS_MASK = PREV_FLAGS_MASK_;
const PREV_MASK_COLLECTING = PREV_MASK_COLLECTING_;
const PREV_REFS_ONE = PREV_REFS_ONE_;
const PREV_SHIFT = PREV_SHIFT_;
const LINK_MASK = ~LINK_FLAGS_MASK_;
const EMPTY = new Uint32Array(0);

/**
 * Word index of the first item of `obj` under RefLayout (`how` = slotTraverse, `at` =
 * itemOffset): inline items at obj + at, or the block whose address is stored at obj + at;
 * 0 when the object has no reference items.
 */
export function itemsWordIndex(u32: Uint32Array, obj: Addr, how: number, at: number): number {
  if (at === 0) return 0;
  return how === REFS_INLINE ? (obj + at) >>> 2 : u32[(obj + at) >>> 2] >>> 2;
}

/** Shared fields of the traversal visitors. */
abstract class GcVisitor implements Visitor {
  /** The memory's u32 view, refreshed by the caller before every phase. */
  u32: Uint32Array = EMPTY;
  /** ObjectSpace.typeFlags, refreshed likewise. */
  flags: Uint32Array = EMPTY;
  abstract visit(ref: Addr): void;
}

/**
 * visit_decref (subtract_refs): a reference from inside the collected set to an object of the
 * set is an internal reference, so it does not keep the object alive: gc_refs −= 1.
 * Objects outside the set (no COLLECTING flag) and non-GC referents are ignored.
 */
export class DecrefVisitor extends GcVisitor {
  /** Check for "refcount is too small" (gc_refs would go below 0). */
  debug = false;
  /** Objects whose gc_refs reached 0 through this visitor (see ReachabilityContext.zeroRefs). */
  zeros = 0;
  visit(ref: Addr): void {
    if (this.debug) checkDecref(this.u32, this.flags, ref);
    this.zeros += visitDecref(this.u32, this.flags, ref);
  }
}

/**
 * The body of visit_decref, shared by the visitor and the inline slot walk. Returns 1 when it
 * brought gc_refs to 0, else 0.
 */
export function visitDecref(u32: Uint32Array, flags: Uint32Array, ref: Addr): number {
  const o = ref >>> 2;
  if ((flags[u32[o + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) return 0;
  const p = o - PREFIX_WORDS + 1;
  const prev = u32[p];
  if ((prev & PREV_MASK_COLLECTING) === 0) return 0;
  u32[p] = prev - PREV_REFS_ONE;
  return prev >>> PREV_SHIFT === 1 ? 1 : 0;
}

/**
 * Debug mode, before visitDecref: gc_decref's assertion that gc_refs would not go below 0 (a
 * refcount too small for the references that point at the object). Kept out of visitDecref:
 * even a never-taken test costs the loop a third of its speed.
 */
export function checkDecref(u32: Uint32Array, flags: Uint32Array, ref: Addr): void {
  const o = ref >>> 2;
  if ((flags[u32[o + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) return;
  const prev = u32[o - PREFIX_WORDS + 1];
  if ((prev & PREV_MASK_COLLECTING) !== 0 && prev >>> PREV_SHIFT === 0) {
    fail('E_CORRUPT_HEAP', `gc_decref: refcount is too small (object ${hexAddr(ref)})`);
  }
}

/**
 * visit_reachable (move_unreachable): `ref` is referenced by an object known to be reachable.
 * - In the tentative-unreachable list (NEXT_MASK_UNREACHABLE): it was wrongly presumed dead;
 *   unlink it and append it to `young` (the scan will reach it again) with gc_refs = 1.
 * - Still ahead in `young` with gc_refs 0: gc_refs = 1, so the scan will keep it.
 * - Otherwise (gc_refs > 0 ahead of the scan, or already scanned: no COLLECTING): nothing.
 */
export class ReachableVisitor extends GcVisitor {
  /** Head of the list being scanned. */
  young: Addr = 0;
  /** Effects of the visits since the caller last reset them (see moveUnreachable). */
  found = 0;
  revived = 0;
  visit(ref: Addr): void {
    const effect = visitReachable(this.u32, this.flags, ref, this.young);
    if (effect === FOUND) this.found++;
    else if (effect === REVIVED) this.revived++;
  }
}

/** visit_reachable's effects: nothing, gc_refs 0 → 1 ahead of the scan, back from unreachable. */
export const NO_EFFECT = 0;
export const FOUND = 1;
export const REVIVED = 2;

/** The body of visit_reachable, shared by the visitor and the inline slot walk. */
export function visitReachable(
  u32: Uint32Array,
  flags: Uint32Array,
  ref: Addr,
  young: Addr,
): number {
  const o = ref >>> 2;
  if ((flags[u32[o + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) return NO_EFFECT;
  const g = o - PREFIX_WORDS;
  const prev = u32[g + 1];
  if ((prev & PREV_MASK_COLLECTING) === 0) return NO_EFFECT;
  const next = u32[g];
  if ((next & NEXT_MASK_UNREACHABLE) !== 0) {
    // Unlink by hand: the unreachable list's links carry the flag bit. The predecessor
    // takes our gc_next verbatim (flag included).
    const p = prev & LINK_MASK;
    const nx = (next & LINK_MASK) >>> 2;
    u32[p >>> 2] = next;
    u32[nx + 1] = (u32[nx + 1] & PREV_FLAGS_MASK) | p;
    // gc_list_append to young, then gc_set_refs(1): the prev link is overwritten by the
    // refs, since young is singly linked until move_unreachable restores it.
    const yi = young >>> 2;
    const node = ref - GC_PREFIX_BYTES;
    const last = u32[yi + 1];
    u32[last >>> 2] = node;
    u32[g] = young;
    u32[yi + 1] = node;
    u32[g + 1] = PREV_MASK_COLLECTING | PREV_REFS_ONE;
    return REVIVED;
  } else if (prev >>> PREV_SHIFT === 0) {
    u32[g + 1] = prev | PREV_REFS_ONE;
    return FOUND;
  }
  return NO_EFFECT;
}

/**
 * visit_move (move_legacy_finalizer_reachable): an unreachable object reachable from a legacy
 * finalizer is uncollectable too — move it to `target` and clear COLLECTING.
 */
export class MoveVisitor extends GcVisitor {
  target: Addr = 0;
  visit(ref: Addr): void {
    const u32 = this.u32;
    const o = ref >>> 2;
    if ((this.flags[u32[o + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) return;
    const g = o - PREFIX_WORDS;
    if ((u32[g + 1] & PREV_MASK_COLLECTING) === 0) return;
    listMove(u32, ref - GC_PREFIX_BYTES, this.target);
    u32[g + 1] &= ~PREV_MASK_COLLECTING;
  }
}
