/*
 * Reference batches for subtract_refs. On a large random object graph the decrements of
 * subtract_refs are one cache (and TLB) miss each; their order does not matter, so the
 * references that point farther than NEAR_BYTES from their holder are gathered first and,
 * when there are many, sorted by page (LSD radix sort) before they are applied: the heap is
 * then swept in address order instead of jumped around in (near ones are applied at once).
 * No counterpart in CPython, whose subtract_refs visits each object's referents in turn; the
 * result (every gc_refs value) is the same.
 *
 * Scratch memory: two Uint32Arrays that grow by doubling up to MAX_BATCH_REFS entries (8 MiB
 * each), kept for the next collections and shrunk once they have needed far less for a while
 * (settle).
 */

/** Smallest capacity; also what the buffers shrink back to. */
export const MIN_BATCH_REFS = 4096;
/** Largest capacity: a batch this full is applied and gathering starts over. */
export const MAX_BATCH_REFS = 1 << 21;
/** Batches of far references at least this long are sorted before they are applied. */
export const SORT_MIN_REFS = 1 << 15;
/** A reference farther than this from its holder is "far" (gathered, not applied at once). */
export const NEAR_BYTES = 4096;
/**
 * Granularity of the sort: 4 KiB pages (what matters most is not missing the TLB; the lines of
 * one page are then close together). Key digits are at most MAX_RADIX_BITS wide, so a heap of
 * up to 64 MiB takes one counting-sort pass, anything up to 4 GiB two.
 */
const PAGE_SHIFT = 12;
/** Collections in a row that must leave ¾ of the buffers unused before they shrink. */
export const SETTLE_AFTER = 16;
const MAX_RADIX_BITS = 14;

export class RefBatch {
  buf = new Uint32Array(MIN_BATCH_REFS);
  /** Capacity limit (MAX_BATCH_REFS; tests use smaller ones to reach the overflow paths). */
  readonly max: number;
  private tmp = new Uint32Array(MIN_BATCH_REFS);
  private readonly counts = new Uint32Array(1 << MAX_RADIX_BITS);
  /** Most references one collection gathered (for shrinking). */
  peak = 0;
  /** Collections in a row that used under a quarter of the capacity, and their largest need. */
  private idle = 0;
  private idlePeak = 0;

  constructor(max = MAX_BATCH_REFS) {
    this.max = Math.max(max, MIN_BATCH_REFS);
  }

  /** Double the capacity (up to `max`), keeping the first `n` entries. */
  grow(n: number): boolean {
    const cap = this.buf.length;
    if (cap >= this.max) return false;
    const bigger = new Uint32Array(Math.min(cap * 2, this.max));
    bigger.set(this.buf.subarray(0, n));
    this.buf = bigger;
    this.tmp = new Uint32Array(bigger.length);
    return true;
  }

  /**
   * Sort the first `n` entries by page (addresses below `heapBytes`, LSD radix sort); returns
   * the array that holds the sorted entries (buf or tmp).
   */
  sortByPage(n: number, heapBytes: number): Uint32Array {
    let src = this.buf;
    let dst = this.tmp;
    const counts = this.counts;
    const keyBits = Math.max(1, Math.ceil(Math.log2(heapBytes)) - PAGE_SHIFT);
    const passes = Math.ceil(keyBits / MAX_RADIX_BITS);
    const digitBits = Math.ceil(keyBits / passes);
    const radix = 1 << digitBits;
    const mask = radix - 1;
    for (let shift = PAGE_SHIFT; shift < PAGE_SHIFT + keyBits; shift += digitBits) {
      counts.fill(0, 0, radix);
      for (let i = 0; i < n; i++) counts[(src[i] >>> shift) & mask]++;
      let sum = 0;
      for (let d = 0; d < radix; d++) {
        const c = counts[d];
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const v = src[i];
        dst[counts[(v >>> shift) & mask]++] = v;
      }
      const t = src;
      src = dst;
      dst = t;
    }
    return src;
  }

  /**
   * After a collection: give back scratch memory that collections no longer need — only once
   * SETTLE_AFTER collections in a row have used less than a quarter of it, so that a program
   * alternating small and large collections (a young collection, then a full one) does not
   * reallocate the buffers every time; then to the largest of those collections' needs.
   */
  settle(): void {
    const cap = this.buf.length;
    const peak = this.peak;
    this.peak = 0;
    if (cap <= MIN_BATCH_REFS || peak * 4 >= cap) {
      this.idle = 0;
      this.idlePeak = 0;
      return;
    }
    if (peak > this.idlePeak) this.idlePeak = peak;
    if (++this.idle < SETTLE_AFTER) return;
    let want = MIN_BATCH_REFS;
    while (want < this.idlePeak) want *= 2;
    this.buf = new Uint32Array(want);
    this.tmp = new Uint32Array(want);
    this.idle = 0;
    this.idlePeak = 0;
  }
}
