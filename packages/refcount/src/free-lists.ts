/**
 * Free lists (spec b.9): freed objects kept for reuse, one LIFO list per type id and item count,
 * as CPython's list, dict, float and per-length tuple free lists. The lists hold object
 * addresses only; what keeping and reusing mean for the header, tracking and the collector's
 * counts is the refcount core's (heap-core.ts alloc, deallocation.ts freeObject).
 */
import type { Addr } from '@pyheap/interface';

/** Item counts kept are at most this (TypeRegistry's MAX_FREE_LIST_ITEMS). */
const KEY_ITEMS = 1025;

export class FreeLists {
  private readonly lists = new Map<number, Addr[]>();
  /** Objects on all lists. */
  size = 0;

  /** The object last kept for (typeId, nitems), taken off its list; 0 when there is none. */
  take(typeId: number, nitems: number): Addr {
    const list = this.lists.get(typeId * KEY_ITEMS + nitems);
    if (list === undefined || list.length === 0) return 0;
    this.size--;
    return list.pop()!;
  }

  /** Keep `obj` on the list of (typeId, nitems) unless it already holds `capacity`. */
  offer(typeId: number, nitems: number, capacity: number, obj: Addr): boolean {
    const key = typeId * KEY_ITEMS + nitems;
    let list = this.lists.get(key);
    if (list === undefined) {
      list = [];
      this.lists.set(key, list);
    }
    if (list.length >= capacity) return false;
    list.push(obj);
    this.size++;
    return true;
  }

  /** Empty every list, handing each object (last kept first) to `release`. */
  drain(release: (typeId: number, obj: Addr) => void): number {
    const n = this.size;
    for (const [key, list] of this.lists) {
      const typeId = Math.floor(key / KEY_ITEMS);
      while (list.length !== 0) release(typeId, list.pop()!);
    }
    this.size = 0;
    return n;
  }
}
