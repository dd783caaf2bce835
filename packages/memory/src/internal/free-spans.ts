/**
 * The free page spans of a LinearMemory below its top: kept sorted by address and coalesced
 * (no two spans touch), in two parallel arrays. Regions are few (arenas, chunks, large blocks),
 * so first fit over a sorted array is the whole algorithm — the "OS" side of mmap/munmap.
 */
export class FreeSpans {
  /** Start address of each span, ascending. */
  readonly starts: number[] = [];
  /** Length in bytes of each span (whole pages). */
  readonly lens: number[] = [];

  get length(): number {
    return this.starts.length;
  }

  /**
   * First fit: take `size` bytes at an address that is a multiple of `align` from the lowest
   * span that holds them, splitting it into [lead][taken][tail]. Returns 0 when none does.
   */
  take(size: number, align: number): number {
    const starts = this.starts;
    const lens = this.lens;
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i]!;
      const n = lens[i]!;
      const a = Math.ceil(s / align) * align;
      const lead = a - s;
      if (lead + size > n) continue;
      const tail = n - lead - size;
      if (lead > 0 && tail > 0) {
        lens[i] = lead;
        starts.splice(i + 1, 0, a + size);
        lens.splice(i + 1, 0, tail);
      } else if (lead > 0) {
        lens[i] = lead;
      } else if (tail > 0) {
        starts[i] = a + size;
        lens[i] = tail;
      } else {
        starts.splice(i, 1);
        lens.splice(i, 1);
      }
      return a;
    }
    return 0;
  }

  /** Give `size` bytes at `addr` back, merging with the spans on either side. */
  add(addr: number, size: number): void {
    const starts = this.starts;
    const lens = this.lens;
    const i = this.indexAtOrBefore(addr);
    const mergeLeft = i >= 0 && starts[i]! + lens[i]! === addr;
    const j = i + 1;
    const mergeRight = j < starts.length && starts[j] === addr + size;
    if (mergeLeft && mergeRight) {
      lens[i] = lens[i]! + size + lens[j]!;
      starts.splice(j, 1);
      lens.splice(j, 1);
    } else if (mergeLeft) {
      lens[i] = lens[i]! + size;
    } else if (mergeRight) {
      starts[j] = addr;
      lens[j] = lens[j]! + size;
    } else {
      starts.splice(j, 0, addr);
      lens.splice(j, 0, size);
    }
  }

  /** If the last span ends exactly at `top`, remove it and return its start; else return `top`. */
  popEndingAt(top: number): number {
    const last = this.starts.length - 1;
    if (last < 0 || this.starts[last]! + this.lens[last]! !== top) return top;
    this.lens.pop();
    return this.starts.pop()!;
  }

  /** True when some span overlaps the byte at `addr`. */
  covers(addr: number): boolean {
    const i = this.indexAtOrBefore(addr);
    return i >= 0 && this.starts[i]! + this.lens[i]! > addr;
  }

  /** Index of the last span starting at or before `addr`, or −1 (binary search). */
  indexAtOrBefore(addr: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
