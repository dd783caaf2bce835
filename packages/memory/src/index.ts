export {
  LinearMemory,
  WASM_DEFAULT_INITIAL_BYTES,
  type LinearMemoryOpts,
} from './linear-memory.js';
export { RawAllocator } from './raw-allocator.js';
export type { RawAllocatorOpts, RawAllocatorStats } from './raw-allocator-opts.js';
