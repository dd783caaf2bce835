import { DebugPymalloc } from './debug-pymalloc.js';
import type { PymallocOpts } from './pymalloc-opts.js';
import { Pymalloc } from './pymalloc.js';

/**
 * A pymalloc allocator: release mode, or with `debug: true` CPython's debug hooks
 * (PYTHONMALLOC=debug) and use-after-free detection.
 */
export function createPymalloc(opts: PymallocOpts = {}): Pymalloc {
  return opts.debug === true ? new DebugPymalloc(opts) : new Pymalloc(opts);
}
