export { ObjectHeap } from './object-heap.js';
export type { ObjectHeapOpts, ObjectHeapStats } from './opts.js';
export type { WeakrefCallback } from './weakref-table.js';
export {
  TRASHCAN_LIMIT,
  WEAKREF_BASIC_SIZE,
  WEAKREF_TYPE_NAME,
  WRF_CALLBACK,
  WR_FLAGS_IDX,
  WR_FLAGS_OFF,
  WR_OBJECT_IDX,
  WR_OBJECT_OFF,
} from './layout.js';
