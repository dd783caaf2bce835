/**
 * Addresses are plain numbers: byte offsets into one linear memory, as pointers are in C.
 * 0 is the null address and is never handed out. Addresses are 32-bit (a heap holds at most
 * 4 GiB); see docs/decisions/0001-32-bit-addresses.md.
 */
export type Addr = number;

/** The null address: what an allocator returns when it is out of memory. */
export const NULL: Addr = 0;

/** Largest byte length a pyheap linear memory can have: the 32-bit address space. */
export const MAX_HEAP_BYTES = 0x1_0000_0000;

/** The page size every memory layer hands out regions in (CPython's SYSTEM_PAGE_SIZE). */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
