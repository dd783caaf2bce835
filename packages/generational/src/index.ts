export { GenerationalCollector } from './generational-collector.js';
export type { CollectionSchedule, GenerationalOpts, GenerationalProfile } from './options.js';
export {
  GC_PREFIX_BYTES,
  GC_NEXT_IDX,
  GC_PREV_IDX,
  NEXT_MASK_UNREACHABLE,
  PREV_MASK_COLLECTING,
  PREV_SHIFT,
  NUM_GENERATIONS,
  THRESHOLDS_3_12,
  THRESHOLDS_3_13,
} from './layout.js';
