/*
 * Layout of a block under the debug hooks (CPython's PYTHONMALLOC=debug, Objects/obmalloc.c
 * _PyMem_DebugRawAlloc; spec a.12) with S = 4, the size of a size_t on a 32-bit build.
 *
 *   q = block of the wrapped allocator (N + 3·S bytes asked), p = q + 2·S = what the caller gets
 *
 *   q ─►┌──────────────────┬────────┬──────────────┬─────────────────────┬──────────────┐
 *       │ N, 4 bytes,      │ API id │ 0xFD × 3     │ data, N bytes       │ 0xFD × 4     │
 *       │ big-endian       │ r/m/o  │ leading pad  │ 0xCD when new       │ trailing pad │
 *       └──────────────────┴────────┴──────────────┴─────────────────────┴──────────────┘
 *        q+0                q+4      q+5            p = q+8               p+N            p+N+4
 *
 * On free the whole block of the wrapped allocator (header, data, trailer and any slack up to
 * its usable size) becomes 0xDD.
 */

/** S: bytes of the size field and of each pad (sizeof(size_t) on 32-bit). */
export const SST = 4;
/** Bytes before the data: size field, API id and leading pad. */
export const DEBUG_HEADER_BYTES = 2 * SST;
/** Bytes the hooks add to every request (PYMEM_DEBUG_EXTRA_BYTES without serial numbers). */
export const DEBUG_EXTRA_BYTES = 3 * SST;
/** Offset of the API id byte from q. */
export const API_ID_OFF = SST;

/** PYMEM_CLEANBYTE: fills new memory (not calloc), so reads of uninitialised data stand out. */
export const CLEANBYTE = 0xcd;
/** PYMEM_DEADBYTE: fills freed memory. */
export const DEADBYTE = 0xdd;
/** PYMEM_FORBIDDENBYTE: the pads around the data. */
export const FORBIDDENBYTE = 0xfd;

/** Bytes CPython saves and restores at each end of the data on a debug realloc. */
export const ERASED_SIZE = 64;

/** API ids of the three domains ('r' RAW, 'm' MEM, 'o' OBJ). */
export type ApiId = 'r' | 'm' | 'o';
