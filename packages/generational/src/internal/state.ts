/*
 * The collector's state: CPython's struct _gc_runtime_state (Include/internal/pycore_gc.h,
 * 3.13) — generation heads, counts and thresholds, per-generation stats, the enabled / debug
 * / collecting flags, long-lived accounting, gc.garbage and gc.callbacks — plus the
 * long-lived visitor objects every collection reuses.
 */
import {
  fail,
  type Addr,
  type CollectCallback,
  type Memory,
  type ObjectSpace,
} from '@pyheap/interface';
import { HEAD_BYTES, NUM_GENERATIONS } from '../layout.js';
import type { ReachabilityContext } from './reachability.js';
import { RefBatch } from './ref-batch.js';
import { DecrefVisitor, MoveVisitor, ReachableVisitor } from './visitors.js';

export class GcState implements ReachabilityContext {
  space!: ObjectSpace;
  memory!: Memory;
  /**
   * The memory's u32 view, kept current by a `memory.onResize` listener: the per-object hooks
   * (track, untrack, deallocating) and delete_garbage read it (through currentU32) instead of
   * the memory's getter.
   */
  u32: Uint32Array = new Uint32Array(0);
  /** Objects move_legacy_finalizers left in the unreachable set (collect.ts, step 14). */
  unreachableKept = 0;
  /** Address of the sentinel block (NUM_HEADS list heads); 0 before attach. */
  heads: Addr = 0;
  /** Head of the permanent generation. */
  permanent: Addr = 0;

  /** count per generation (c.3). */
  readonly counts: number[] = [0, 0, 0];
  readonly thresholds: number[];
  /** Running totals per generation (gc.get_stats). */
  readonly statCollections: number[] = [0, 0, 0];
  readonly statCollected: number[] = [0, 0, 0];
  readonly statUncollectable: number[] = [0, 0, 0];

  enabled = true;
  debugFlags = 0;
  collecting = false;
  /** Safe-point schedule: an automatic collection is due (CPython's eval-breaker GC bit). */
  scheduled = false;
  /**
   * A finalizer or weakref callback ran during the current collection: only then can the
   * unreachable set have changed, and only then is handle_resurrected_objects' second
   * reachability pass needed (without it its result is the set itself).
   */
  userCodeRan = false;
  /** Objects that survived the last full collection. */
  longLivedTotal = 0;
  /** Objects promoted into generation 2 by generation-1 collections since then. */
  longLivedPending = 0;

  readonly garbage: Addr[] = [];
  readonly callbacks: CollectCallback[] = [];
  sink: (line: string) => void = (line) => console.error(line);

  readonly debug: boolean;
  readonly decref = new DecrefVisitor();
  readonly reachable = new ReachableVisitor();
  readonly move = new MoveVisitor();
  readonly batch = new RefBatch();
  zeroRefs = 0;
  /** Scratch array for ObjectSpace.takeWeakrefs (reused, emptied before each call). */
  readonly weakrefScratch: Addr[] = [];

  constructor(thresholds: readonly number[], debug: boolean) {
    this.thresholds = [thresholds[0], thresholds[1], thresholds[2]];
    this.debug = debug;
    this.decref.debug = debug;
  }

  /**
   * `u32`, first followed to the memory's current buffer when ours was detached: a
   * WebAssembly.Memory grown by its owner detaches it without a word, and reading the memory's
   * own view makes the memory notice and notify its listeners (ours among them). Detached views
   * have length 0; an attached collector's never does (its list heads live in it).
   */
  currentU32(): Uint32Array {
    const u32 = this.u32;
    if (u32.length !== 0) return u32;
    if (this.heads === 0)
      fail('E_INVALID_ARGUMENT', 'the collector is not attached to an object space');
    return this.memory.u32;
  }

  /** List head of generation `g` (0..2), or of the permanent generation for g = 3. */
  genHead(g: number): Addr {
    return this.heads + g * HEAD_BYTES;
  }

  /** Head of list number `index` of the sentinel block (layout.ts HEAD_*). */
  head(index: number): Addr {
    return this.heads + index * HEAD_BYTES;
  }

  get numGenerations(): number {
    return NUM_GENERATIONS;
  }
}
