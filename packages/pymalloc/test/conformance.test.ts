import { describeAllocatorConformance } from '@pyheap/allocator-testkit';
import { LinearMemory } from '@pyheap/memory';
import { createPymalloc } from '@pyheap/pymalloc';

const SMALL = 4 << 20;

describeAllocatorConformance('pymalloc', () => createPymalloc({ memory: new LinearMemory() }), {
  makeSmall: () => createPymalloc({ memory: new LinearMemory({ maxBytes: SMALL }) }),
});

describeAllocatorConformance(
  'pymalloc debug',
  () => createPymalloc({ memory: new LinearMemory(), debug: true }),
  {
    makeSmall: () => createPymalloc({ memory: new LinearMemory({ maxBytes: SMALL }), debug: true }),
  },
);
