/** Which CPython release's defaults to mirror. */
export type GenerationalProfile = '3.13' | '3.12';

/**
 * When automatic collections run (docs/decisions/0013-when-collections-run.md):
 * - 'allocation': inside the allocation hook that crosses threshold 0, as CPython ≤ 3.11
 *   (`_PyObject_GC_Link` → gc_collect_generations);
 * - 'safepoint': the hook only marks a collection as scheduled and the host runs it with
 *   `collectScheduled()` at a point where no half-done work is on its stack, as CPython 3.12+
 *   does from the eval breaker between bytecodes.
 */
export type CollectionSchedule = 'allocation' | 'safepoint';

export interface GenerationalOpts {
  /**
   * CPython release whose defaults are used. Default '3.13' (thresholds 2000/10/10);
   * '3.12' uses 700/10/10. The algorithm is the same in both (spec c.11).
   */
  profile?: GenerationalProfile;
  /** Thresholds of generations 0, 1, 2. Default: the profile's. Each a 32-bit signed integer. */
  thresholds?: readonly [number, number, number];
  /** When automatic collections run. Default 'allocation' (see decision 0013). */
  schedule?: CollectionSchedule;
  /** Automatic collection on at start (gc.isenabled()). Default true. */
  enabled?: boolean;
  /**
   * Debug checks: a tracked object with refcount 0, gc_refs going below 0 ("refcount is too
   * small"), and a full check() after every collection. Default false.
   */
  debug?: boolean;
  /** Where DEBUG_* messages go, one line per call. Default console.error. */
  debugSink?: (line: string) => void;
}
