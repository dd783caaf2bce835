/*
 * The arena map: CPython's radix tree for "did pymalloc allocate this address?"
 * (Objects/obmalloc.c, arena_map_mark_used / arena_map_is_used, 3.10+), for 32-bit addresses.
 *
 * CPython's 32-bit build has a single level: the tree's root is indexed directly by the
 * address bits above ARENA_BITS. Each entry describes one "ideal" arena range, an
 * ARENA_SIZE-aligned slice of the address space, by two signed numbers:
 *
 *   entry i (range [i·ARENA_SIZE, (i+1)·ARENA_SIZE))
 *   ┌──────────────┬──────────────┐
 *   │ tail_hi  i32 │ tail_lo  i32 │   at TAIL_HI = 2i, TAIL_LO = 2i + 1 of one Int32Array
 *   └──────────────┴──────────────┘
 *
 * An arena based at B with t = B mod ARENA_SIZE covers the upper part of range B >>> ARENA_BITS
 * from offset t (tail_hi = t, or −1 when t is 0 and the arena covers the whole range) and the
 * lower part of the next range below offset t (tail_lo = t). An address p with offset t in its
 * range is inside an arena iff t < tail_lo or (tail_hi ≠ 0 and t ≥ tail_hi). Two arenas never
 * overlap, so the two tails of one range never describe conflicting arenas.
 *
 * We ask the memory for POOL_SIZE-aligned arenas only (not ARENA_SIZE-aligned), as mmap gives
 * CPython page-aligned ones: an ARENA_SIZE alignment would leave holes in the linear memory.
 */
import { ARENA_BITS, ARENA_SIZE_MASK } from './layout.js';

export class ArenaMap {
  /**
   * tail_hi / tail_lo pairs, one per ideal arena range from address 0 up to the highest arena
   * marked so far. It grows (doubling) when an arena is marked above it, as CPython allocates
   * radix-tree nodes on demand; addresses beyond it are in no arena.
   */
  tails: Int32Array = new Int32Array(0);

  /** Bytes of the map (CPython's "# bytes lost to arena map root"). */
  get byteLength(): number {
    return this.tails.byteLength;
  }

  /** arena_map_mark_used: record (used = true) or forget the arena based at `base`. */
  markUsed(base: number, used: boolean): void {
    const i = base >>> ARENA_BITS;
    const tail = base & ARENA_SIZE_MASK;
    // An unaligned arena also writes the tail_lo of the next range.
    if (2 * (i + 2) > this.tails.length) this.grow(2 * (i + 2));
    const tails = this.tails;
    if (tail === 0) {
      tails[2 * i] = used ? -1 : 0;
    } else {
      tails[2 * i] = used ? tail : 0;
      tails[2 * (i + 1) + 1] = used ? tail : 0;
    }
  }

  /** arena_map_is_used: true when `p` lies inside some arena. */
  isUsed(p: number): boolean {
    const i = (p >>> ARENA_BITS) << 1;
    const tails = this.tails;
    if (i >= tails.length) return false;
    const t = p & ARENA_SIZE_MASK;
    const hi = tails[i];
    return t < tails[i + 1] || (hi !== 0 && t >= hi);
  }

  private grow(n: number): void {
    const tails = new Int32Array(Math.max(n, 2 * this.tails.length));
    tails.set(this.tails);
    this.tails = tails;
  }
}
