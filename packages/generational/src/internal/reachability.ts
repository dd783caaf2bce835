/*
 * Finding the unreachable part of a generation: CPython's deduce_unreachable (Python/gc.c,
 * 3.13) = update_refs + subtract_refs + move_unreachable, with the three traversal visitors
 * visit_decref, visit_reachable and visit_move. InternalDocs/garbage_collector.md ("Identifying
 * reference cycles") narrates the algorithm; the comments here state the invariants.
 *
 * Everything here is a hot loop over typed arrays: the visitors are long-lived objects whose
 * `u32` / `flags` fields the caller refreshes before each phase (nothing in these phases
 * allocates or frees, so a view read at the start of a phase stays valid until its end).
 */
import {
  IMMORTAL_REFCNT as IMMORTAL_REFCNT_,
  REFS_INLINE as REFS_INLINE_,
  REFS_ITEM_BLOCK as REFS_ITEM_BLOCK_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  fail,
  hexAddr,
  type Addr,
  type ObjectSpace,
  type RefLayout,
} from '@pyheap/interface';
import {
  GC_PREFIX_BYTES as GC_PREFIX_BYTES_,
  GC_REFCNT_IDX as GC_REFCNT_IDX_,
  GC_SIZE_IDX as GC_SIZE_IDX_,
  GC_TYPE_IDX as GC_TYPE_IDX_,
  LINK_FLAGS_MASK as LINK_FLAGS_MASK_,
  NEXT_MASK_UNREACHABLE as NEXT_MASK_UNREACHABLE_,
  PREV_FLAGS_MASK as PREV_FLAGS_MASK_,
  PREV_MASK_COLLECTING as PREV_MASK_COLLECTING_,
  PREV_SHIFT as PREV_SHIFT_,
} from '../layout.js';
import { listMove } from './gc-list.js';
import {
  FOUND as FOUND_,
  REVIVED as REVIVED_,
  itemsWordIndex,
  visitDecref,
  visitReachable,
  type DecrefVisitor,
  type MoveVisitor,
  type ReachableVisitor,
} from './visitors.js';
import {
  NEAR_BYTES as NEAR_BYTES_,
  SORT_MIN_REFS as SORT_MIN_REFS_,
  type RefBatch,
} from './ref-batch.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0018).
const IMMORTAL_REFCNT = IMMORTAL_REFCNT_;
const REFS_INLINE = REFS_INLINE_;
const REFS_ITEM_BLOCK = REFS_ITEM_BLOCK_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const GC_PREFIX_BYTES = GC_PREFIX_BYTES_;
const GC_REFCNT_IDX = GC_REFCNT_IDX_;
const GC_SIZE_IDX = GC_SIZE_IDX_;
const GC_TYPE_IDX = GC_TYPE_IDX_;
const LINK_FLAGS_MASK = LINK_FLAGS_MASK_;
const NEXT_MASK_UNREACHABLE = NEXT_MASK_UNREACHABLE_;
const PREV_FLAGS_MASK = PREV_FLAGS_MASK_;
const PREV_MASK_COLLECTING = PREV_MASK_COLLECTING_;
const PREV_SHIFT = PREV_SHIFT_;
const NEAR_BYTES = NEAR_BYTES_;
const SORT_MIN_REFS = SORT_MIN_REFS_;
const FOUND = FOUND_;
const REVIVED = REVIVED_;

const EMPTY = new Uint32Array(0);
const NO_LAYOUT = new Uint8Array(0);
const LINK_MASK = ~LINK_FLAGS_MASK;

/** The visitors and the space one collector uses for its whole life. */
export interface ReachabilityContext {
  readonly space: ObjectSpace;
  readonly decref: DecrefVisitor;
  readonly reachable: ReachableVisitor;
  readonly move: MoveVisitor;
  /** Head of the permanent generation (immortal objects are moved there). */
  readonly permanent: Addr;
  /** Debug checks (zero refcounts, refcounts too small). */
  readonly debug: boolean;
  /** Scratch of subtract_refs' gathered references (ref-batch.ts). */
  readonly batch: RefBatch;
  /**
   * Objects of the list being examined whose gc_refs is 0 after subtract_refs (update_refs
   * and subtract_refs count them; move_unreachable uses the count, see there).
   */
  zeroRefs: number;
}

/**
 * update_refs: gc_refs = ob_refcnt and COLLECTING for every object of `containers`; immortal
 * objects are moved to the permanent generation instead (3.12+). From here until
 * move_unreachable ends, gc_prev holds gc_refs and the list is singly linked (heads keep
 * their tail link). Returns the number of candidates.
 */
export function updateRefs(ctx: ReachabilityContext, u32: Uint32Array, containers: Addr): number {
  const permanent = ctx.permanent;
  const debug = ctx.debug;
  let candidates = 0;
  let zeros = 0;
  let gc = u32[containers >>> 2];
  while (gc !== containers) {
    const gi = gc >>> 2;
    const next = u32[gi];
    const refcnt = u32[gi + GC_REFCNT_IDX];
    if (refcnt >= IMMORTAL_REFCNT) {
      // Only this node's own links and its unprocessed successor are touched: safe while
      // the processed part already holds refs in gc_prev.
      listMove(u32, gc, permanent);
      gc = next;
      continue;
    }
    // An object with refcount 0 that is still tracked means some dealloc left it in a list.
    if (refcnt === 0) {
      if (debug) {
        fail(
          'E_CORRUPT_HEAP',
          `update_refs: tracked object ${hexAddr(gc + GC_PREFIX_BYTES)} has refcount 0`,
        );
      }
      zeros++;
    }
    u32[gi + 1] = (refcnt << PREV_SHIFT) | PREV_MASK_COLLECTING;
    candidates++;
    gc = next;
  }
  ctx.zeroRefs = zeros;
  return candidates;
}

/**
 * subtract_refs: after it, gc_refs of each object = references from outside `containers`
 * (older generations, non-GC holders, the host's own variables). gc_refs > 0 means directly
 * reachable from outside.
 */
export function subtractRefs(ctx: ReachabilityContext, u32: Uint32Array, containers: Addr): void {
  const space = ctx.space;
  const visitor = ctx.decref;
  const layout = space.refLayout;
  visitor.zeros = 0;
  if (layout === undefined || ctx.debug) {
    // Through traverse and the visitor (which makes debug mode's gc_refs check).
    for (let gc = u32[containers >>> 2]; gc !== containers; gc = u32[gc >>> 2]) {
      space.traverse(gc + GC_PREFIX_BYTES, visitor);
    }
    ctx.zeroRefs += visitor.zeros;
    return;
  }
  // The same visits in our own loop (ObjectSpace.refLayout). A reference within NEAR_BYTES of
  // its holder is applied at once (its target is in cache, or about to be); farther ones are
  // gathered and applied in batches (ref-batch.ts), sorted by address when there are many, so
  // that a large random graph is swept in address order. Decrements commute: every gc_refs
  // comes out as CPython's.
  const gathered = subtractRefsByLayout(ctx, u32, containers, layout);
  // After the loop, in the caller: V8's on-stack-replacement code for the loop has no type
  // feedback for what follows it, and (Node 20) kept re-entering and bailing out there.
  const zeros = applyDecrefs(ctx, u32, space.typeFlags, gathered);
  ctx.zeroRefs += zeros + visitor.zeros;
}

/**
 * subtractRefs' loop over `containers`: near references applied, far ones gathered in
 * ctx.batch (batches that fill up are applied here). Returns how many are left gathered;
 * adds the gc_refs it brought to 0 to ctx.zeroRefs.
 */
function subtractRefsByLayout(
  ctx: ReachabilityContext,
  u32: Uint32Array,
  containers: Addr,
  layout: RefLayout,
): number {
  const space = ctx.space;
  const visitor = ctx.decref;
  const flags = space.typeFlags;
  const slotTraverse = layout.slotTraverse;
  const refOffset = layout.refOffset;
  const refCount = layout.refCount;
  const itemOffset = layout.itemOffset;
  const batch = ctx.batch;
  let buf = batch.buf;
  let cap = buf.length;
  let n = 0;
  let zeros = 0;
  for (let gc = u32[containers >>> 2]; gc !== containers; gc = u32[gc >>> 2]) {
    const gi = gc >>> 2;
    const t = u32[gi + GC_TYPE_IDX] & TYPE_ID_MASK;
    const obj = gc + GC_PREFIX_BYTES;
    const how = slotTraverse[t];
    if (how !== REFS_INLINE && how !== REFS_ITEM_BLOCK) {
      space.traverse(obj, visitor);
      continue;
    }
    const ib = itemsWordIndex(u32, obj, how, itemOffset[t]);
    const nItems = ib !== 0 ? u32[gi + GC_SIZE_IDX] : 0;
    const need = refCount[t] + nItems;
    if (n + need > cap) {
      // Room for every reference of this object: grow, else apply what is gathered.
      while (n + need > cap && batch.grow(n)) {
        buf = batch.buf;
        cap = buf.length;
      }
      if (n + need > cap) {
        zeros += applyDecrefs(ctx, u32, flags, n);
        n = 0;
        if (need > cap) {
          // One object with more references than a whole batch: visit them directly.
          space.traverse(obj, visitor);
          continue;
        }
      }
    }
    const base = (obj + refOffset[t]) >>> 2;
    const end = base + refCount[t];
    for (let k = base; k < end; k++) {
      const ref = u32[k];
      if (ref !== 0) {
        if (ref - obj > NEAR_BYTES || obj - ref > NEAR_BYTES) buf[n++] = ref;
        else zeros += visitDecref(u32, flags, ref);
      }
    }
    for (let k = ib + nItems - 1; k >= ib; k--) {
      const ref = u32[k];
      if (ref !== 0) {
        if (ref - obj > NEAR_BYTES || obj - ref > NEAR_BYTES) buf[n++] = ref;
        else zeros += visitDecref(u32, flags, ref);
      }
    }
  }
  ctx.zeroRefs += zeros;
  return n;
}

/**
 * visit_decref for the first `n` gathered (far) references, in address order when there are
 * at least SORT_MIN_REFS of them. Returns how many gc_refs it brought to 0.
 */
function applyDecrefs(
  ctx: ReachabilityContext,
  u32: Uint32Array,
  flags: Uint32Array,
  n: number,
): number {
  const batch = ctx.batch;
  if (n > batch.peak) batch.peak = n;
  const refs = n >= SORT_MIN_REFS ? batch.sortByPage(n, ctx.space.memory.byteLength) : batch.buf;
  let zeros = 0;
  for (let i = 0; i < n; i++) zeros += visitDecref(u32, flags, refs[i]);
  return zeros;
}

/**
 * move_unreachable: one in-place scan of `young` from the front. An object with gc_refs > 0 is
 * reachable: traverse it (visit_reachable pulls what it references back into `young` or marks
 * it), restore its prev link and clear COLLECTING. An object with gc_refs 0 is tentatively
 * unreachable: move it to the tail of `unreachable` with NEXT_MASK_UNREACHABLE on its link.
 *
 * Invariant: everything to the left of the scan in `young` is reachable from outside the
 * original `young`; everything it has passed over and not brought back is in `unreachable`.
 * No recursion and no memory proportional to the graph. At the end `young` and `unreachable`
 * are doubly linked again, `young` without flags, `unreachable` with COLLECTING on every node
 * and NEXT_MASK_UNREACHABLE on every gc_next (stripped by move_legacy_finalizers).
 */
export function moveUnreachable(
  ctx: ReachabilityContext,
  u32: Uint32Array,
  young: Addr,
  unreachable: Addr,
): void {
  const space = ctx.space;
  const visitor = ctx.reachable;
  visitor.young = young;
  const flags = space.typeFlags;
  const layout = space.refLayout;
  const slotTraverse = layout === undefined ? NO_LAYOUT : layout.slotTraverse;
  const refOffset = layout === undefined ? EMPTY : layout.refOffset;
  const refCount = layout === undefined ? EMPTY : layout.refCount;
  const itemOffset = layout === undefined ? EMPTY : layout.itemOffset;
  const ui = unreachable >>> 2;
  // Early finish (exact, not in CPython): `zeros` counts unscanned objects of young with
  // gc_refs 0, `tentative` the objects in unreachable. While both are 0 no visit can have an
  // effect — visit_reachable only acts on those two kinds of object — so the rest of the scan
  // is reduced to what it does to objects with gc_refs > 0: restore prev, clear COLLECTING.
  // A generation that is all alive (a full collection of a live heap) then costs one random
  // visit per reference only until its last gc_refs-0 object has been found.
  let zeros = ctx.zeroRefs;
  let tentative = 0;
  let prev = young;
  let gc = u32[young >>> 2];
  while (gc !== young) {
    const gi = gc >>> 2;
    if (zeros === 0 && tentative === 0) {
      for (; gc !== young; gc = u32[gc >>> 2]) {
        u32[(gc >>> 2) + 1] = prev;
        prev = gc;
      }
      break;
    }
    if (u32[gi + 1] >>> PREV_SHIFT !== 0) {
      // Reachable. The visits may append to young and so change gc's own gc_next when gc
      // is the tail: the successor is read only after them.
      const t = u32[gi + GC_TYPE_IDX] & TYPE_ID_MASK;
      const obj = gc + GC_PREFIX_BYTES;
      const how = slotTraverse[t];
      if (how !== REFS_INLINE && how !== REFS_ITEM_BLOCK) {
        visitor.found = 0;
        visitor.revived = 0;
        space.traverse(obj, visitor);
        zeros -= visitor.found;
        tentative -= visitor.revived;
      } else {
        const base = (obj + refOffset[t]) >>> 2;
        const end = base + refCount[t];
        for (let k = base; k < end; k++) {
          const ref = u32[k];
          if (ref !== 0) {
            const effect = visitReachable(u32, flags, ref, young);
            if (effect === FOUND) zeros--;
            else if (effect === REVIVED) tentative--;
          }
        }
        const ib = itemsWordIndex(u32, obj, how, itemOffset[t]);
        if (ib !== 0) {
          for (let k = ib + u32[gi + GC_SIZE_IDX] - 1; k >= ib; k--) {
            const ref = u32[k];
            if (ref !== 0) {
              const effect = visitReachable(u32, flags, ref, young);
              if (effect === FOUND) zeros--;
              else if (effect === REVIVED) tentative--;
            }
          }
        }
      }
      // Restore the prev link; this also clears COLLECTING ("scanned and reachable").
      u32[gi + 1] = prev;
      prev = gc;
    } else {
      // Tentatively unreachable: unlink (young is singly linked, so only prev's next) and
      // append to unreachable. Every link into a node of unreachable carries the flag,
      // including, transiently, the head's gc_next.
      zeros--;
      tentative++;
      u32[prev >>> 2] = u32[gi];
      const last = u32[ui + 1];
      u32[last >>> 2] = NEXT_MASK_UNREACHABLE | gc;
      u32[gi + 1] = (u32[gi + 1] & PREV_FLAGS_MASK) | last;
      u32[gi] = NEXT_MASK_UNREACHABLE | unreachable;
      u32[ui + 1] = gc;
    }
    gc = u32[prev >>> 2];
  }
  u32[(young >>> 2) + 1] = prev;
  u32[young >>> 2] &= LINK_MASK;
  u32[ui] &= LINK_MASK;
}

/** deduce_unreachable: split `base` into reachable (stays) and `unreachable`. */
export function deduceUnreachable(
  ctx: ReachabilityContext,
  u32: Uint32Array,
  base: Addr,
  unreachable: Addr,
): void {
  const flags = ctx.space.typeFlags;
  ctx.decref.u32 = u32;
  ctx.decref.flags = flags;
  ctx.reachable.u32 = u32;
  ctx.reachable.flags = flags;
  updateRefs(ctx, u32, base);
  subtractRefs(ctx, u32, base);
  moveUnreachable(ctx, u32, base, unreachable);
}

/** clear_unreachable_mask: strip NEXT_MASK_UNREACHABLE from every gc_next of a list. */
export function clearUnreachableMask(u32: Uint32Array, head: Addr): void {
  let gc = u32[head >>> 2];
  while (gc !== head) {
    const gi = gc >>> 2;
    const next = (u32[gi] & LINK_MASK) >>> 0;
    u32[gi] = next;
    gc = next;
  }
}

/**
 * move_legacy_finalizer_reachable: traverse every object of `finalizers` (the list grows
 * while it is scanned) and move what they reach out of the unreachable set into it.
 */
export function moveLegacyFinalizerReachable(
  ctx: ReachabilityContext,
  u32: Uint32Array,
  finalizers: Addr,
): void {
  const space = ctx.space;
  const visitor = ctx.move;
  visitor.u32 = u32;
  visitor.flags = space.typeFlags;
  visitor.target = finalizers;
  for (let gc = u32[finalizers >>> 2]; gc !== finalizers; gc = u32[gc >>> 2]) {
    space.traverse(gc + GC_PREFIX_BYTES, visitor);
  }
}
