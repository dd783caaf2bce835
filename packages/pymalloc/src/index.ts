export { Pymalloc } from './pymalloc.js';
export type { PymallocOpts } from './pymalloc-opts.js';
export { DebugPymalloc } from './debug-pymalloc.js';
export { createPymalloc } from './create-pymalloc.js';
export { DebugHooks, type DebugHooksOpts } from './debug-hooks.js';
export type { PymallocStats } from './stats.js';
export * from './layout.js';
export {
  SST,
  DEBUG_HEADER_BYTES,
  DEBUG_EXTRA_BYTES,
  API_ID_OFF,
  CLEANBYTE,
  DEADBYTE,
  FORBIDDENBYTE,
  ERASED_SIZE,
  type ApiId,
} from './debug-layout.js';
