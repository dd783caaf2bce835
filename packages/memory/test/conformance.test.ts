import { describeAllocatorConformance } from '@pyheap/allocator-testkit';
import { LinearMemory, RawAllocator } from '@pyheap/memory';

describeAllocatorConformance('RawAllocator', () => new RawAllocator(), {
  makeSmall: () =>
    new RawAllocator({ memory: new LinearMemory({ initialBytes: 64 * 1024, maxBytes: 4 << 20 }) }),
});

describeAllocatorConformance(
  'RawAllocator (small chunks, low mmap threshold)',
  () => new RawAllocator({ chunkBytes: 16 * 1024, mmapThreshold: 8192 }),
  {
    numRuns: 25,
    makeSmall: () =>
      new RawAllocator({
        chunkBytes: 16 * 1024,
        mmapThreshold: 8192,
        memory: new LinearMemory({ initialBytes: 64 * 1024, maxBytes: 2 << 20 }),
      }),
  },
);
