export { describeAllocatorConformance, type AllocatorKitOpts } from './conformance.js';
export { HeapModel, codeOf, patternByte, type LiveBlock } from './model.js';
export { allocationSize, sizeMix, CLASS_BOUNDARY_SIZES, PAGE_SIZES, LARGE_SIZES } from './sizes.js';
