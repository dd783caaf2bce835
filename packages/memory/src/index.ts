export { LinearMemory, type LinearMemoryOpts } from './linear-memory.js';
