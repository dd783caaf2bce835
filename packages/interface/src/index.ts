export * from './addr.js';
export * from './errors.js';
export * from './validate.js';
export type * from './memory.js';
export type * from './allocator.js';
export * from './object.js';
export type * from './object-space.js';
export * from './collector.js';
export type * from './types.js';
