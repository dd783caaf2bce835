/**
 * The built-in weak reference type (CPython's _PyWeakref_RefType in Objects/weakrefobject.c):
 * a GC container, registered by every ObjectHeap as its first type. Its layout is in
 * layout.ts; the referent is weak (not counted) and the callback is a JS function in the
 * heap's side table, so it has no references to traverse or clear.
 */
import type { TypeSpec } from '@pyheap/interface';
import { WEAKREF_BASIC_SIZE, WEAKREF_TYPE_NAME } from './layout.js';
import type { ObjectHeap } from './object-heap.js';

export const WEAKREF_TYPE_SPEC: TypeSpec<ObjectHeap> = {
  name: WEAKREF_TYPE_NAME,
  basicSize: WEAKREF_BASIC_SIZE,
  gc: true,
  // weakref_dealloc → clear_weakref: unlink from the referent's list, drop the callback.
  dealloc(heap, wr) {
    heap.clearWeakref(wr);
  },
};
