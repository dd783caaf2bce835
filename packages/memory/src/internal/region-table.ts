/**
 * Which regions of the memory the RAW allocator holds, and an O(1) address → region lookup.
 *
 * The memory may be shared with other allocators (pymalloc maps its arenas from the same
 * memory), so "is this address ours" cannot be a range test. A page table answers it exactly:
 * one u32 per 4 KiB page of the memory up to the highest page we ever held, as CPython's
 * radix tree answers "is this address in an arena" (obmalloc.c, arena_map_is_used).
 *
 *   pages[addr >>> PAGE_SHIFT]   0                  not ours
 *                                id + 1             inside region `id`
 *                                PAGE_TOMBSTONE     first page of a large block we freed (and
 *                                                   nothing of ours mapped there since): a
 *                                                   second free of it is a double free
 *
 *   region id ─► kind[id]   KIND_CHUNK | KIND_LARGE | KIND_UNUSED (slot reusable)
 *                base[id]   page-aligned start address
 *                bytes[id]  length in bytes (whole pages)
 *                first[id]  chunks: header address of the first block; large blocks: 0
 */
import { PAGE_SHIFT } from '@pyheap/interface';

export const KIND_UNUSED = 0;
export const KIND_CHUNK = 1;
export const KIND_LARGE = 2;
export const PAGE_TOMBSTONE = 0xffffffff;

export class RegionTable {
  pages: Uint32Array;
  kind = new Uint8Array(16);
  base = new Uint32Array(16);
  bytes = new Uint32Array(16);
  first = new Uint32Array(16);
  /** Slots in use are 0..used−1 minus those on the free-slot stack. */
  used = 0;
  private readonly freeSlots: number[] = [];

  constructor(memoryBytes: number) {
    this.pages = new Uint32Array(Math.max(256, Math.ceil(memoryBytes / (1 << PAGE_SHIFT))));
  }

  /** Region id whose pages contain `addr`, or −1 (also for tombstones and unknown pages). */
  lookup(addr: number): number {
    const page = addr >>> PAGE_SHIFT;
    const pages = this.pages;
    if (page >= pages.length) return -1;
    const e = pages[page];
    return e === 0 || e === PAGE_TOMBSTONE ? -1 : e - 1;
  }

  /** True when `addr` is the start of a large block that was freed (see PAGE_TOMBSTONE). */
  isTombstone(addr: number): boolean {
    const page = addr >>> PAGE_SHIFT;
    return page < this.pages.length && this.pages[page] === PAGE_TOMBSTONE;
  }

  /** Register a region and mark its pages. Returns its id. */
  add(kind: number, base: number, bytes: number, first: number): number {
    let id = this.freeSlots.pop();
    if (id === undefined) {
      id = this.used++;
      if (id >= this.kind.length) this.growSlots();
    }
    this.kind[id] = kind;
    this.base[id] = base;
    this.bytes[id] = bytes;
    this.first[id] = first;
    const lo = base >>> PAGE_SHIFT;
    const hi = lo + (bytes >>> PAGE_SHIFT);
    if (hi > this.pages.length) {
      const next = new Uint32Array(Math.max(hi, this.pages.length * 2));
      next.set(this.pages);
      this.pages = next;
    }
    this.pages.fill(id + 1, lo, hi);
    return id;
  }

  /** Forget region `id` and unmark its pages; a large block leaves a tombstone on its first page. */
  remove(id: number): void {
    const lo = this.base[id] >>> PAGE_SHIFT;
    const hi = lo + (this.bytes[id] >>> PAGE_SHIFT);
    this.pages.fill(0, lo, hi);
    if (this.kind[id] === KIND_LARGE) this.pages[lo] = PAGE_TOMBSTONE;
    this.kind[id] = KIND_UNUSED;
    this.base[id] = 0;
    this.bytes[id] = 0;
    this.first[id] = 0;
    this.freeSlots.push(id);
  }

  /** Number of free slots below `used` (for check()). */
  freeSlotCount(): number {
    return this.freeSlots.length;
  }

  private growSlots(): void {
    const n = this.kind.length * 2;
    const kind = new Uint8Array(n);
    const base = new Uint32Array(n);
    const bytes = new Uint32Array(n);
    const first = new Uint32Array(n);
    kind.set(this.kind);
    base.set(this.base);
    bytes.set(this.bytes);
    first.set(this.first);
    this.kind = kind;
    this.base = base;
    this.bytes = bytes;
    this.first = first;
  }
}
