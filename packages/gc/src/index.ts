export {
  GcModule,
  createGc,
  type GcGenerationStats,
  type GcModuleOpts,
  type PythonVersion,
} from './gc-module.js';
export { kwargs, isKwargs, type Kwargs } from './arguments.js';
export {
  DEBUG_COLLECTABLE,
  DEBUG_LEAK,
  DEBUG_SAVEALL,
  DEBUG_STATS,
  DEBUG_UNCOLLECTABLE,
} from '@pyheap/interface';
