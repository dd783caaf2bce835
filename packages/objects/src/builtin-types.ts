/**
 * The built-in types as TypeSpecs for the refcount core (CPython's static PyTypeObjects in
 * Objects/*object.c, reduced to what memory management needs).
 *
 *   type      GC  size            references                    tracking (spec c.2)
 *   NoneType  -   8               -                             never
 *   bool      -   16 (f64)        -                             never
 *   int       -   16 (f64)        -                             never
 *   float     -   16 (f64)        -                             never
 *   str       -   24 + bytes      -                             never
 *   bytes     -   24 + bytes      -                             never
 *   tuple     GC  12 + 4·n        items (slots: core traverses   at creation; lazily untracked
 *                                 and drops them)
 *   list      GC  20 (+ block)    item block (itemsPointerOffset, at creation
 *                                 custom clear)
 *   dict      GC  24 (+ table)    keys/values (custom clear)    lazily tracked; untracked by
 *                                                               full collections
 *   type      GC  16              name                          at creation
 *   instances GC  16 + 4·slots    slots, dict, class (classes.ts) at creation
 *
 * Atoms (not GC types) carry no collector prefix. The weakref type is the core's own.
 */
import type { ObjectHeap } from '@pyheap/refcount';
import { dictClear, dictMayUntrack, dictTraverse } from './dict.js';
import {
  KIND_BOOL,
  KIND_BYTES,
  KIND_DICT,
  KIND_FLOAT,
  KIND_INT,
  KIND_LIST,
  KIND_NONE,
  KIND_STR,
  KIND_TUPLE,
  KIND_TYPE,
  KIND_WEAKREF,
  type Core,
} from './internal/core.js';
import {
  CLASS_NAME_OFF,
  CLASS_SIZE,
  DICT_SIZE,
  LIST_ITEMS_OFF,
  LIST_SIZE,
  NUM_SIZE,
  STR_HEADER_SIZE,
  TUPLE_HEADER_SIZE,
} from './layout.js';
import { listClear } from './list.js';
import { tupleMayUntrack } from './tuple.js';

/**
 * Free-list sizes of CPython 3.12 / 3.13 (Include/internal/pycore_freelist.h): PyList_MAXFREELIST,
 * PyDict_MAXFREELIST, PyFloat_MAXFREELIST, and PyTuple_MAXFREELIST tuples of each length
 * 1..PyTuple_MAXSAVESIZE.
 */
const LIST_FREE_LIST = 80;
const DICT_FREE_LIST = 80;
const FLOAT_FREE_LIST = 100;
const TUPLE_FREE_LIST = 2000;
const TUPLE_FREE_LIST_ITEMS = 20;

/**
 * Register every built-in type with the heap and fill the core's type ids and kinds; with
 * `freeLists`, tuples, lists, dicts and floats keep CPython's free lists (spec b.9).
 */
export function registerBuiltinTypes(core: Core, freeLists: boolean): void {
  const heap: ObjectHeap = core.heap;
  const kind = core.kind;
  const keep = (n: number): number => (freeLists ? n : 0);

  core.tNone = heap.registerType({ name: 'NoneType', basicSize: 8 });
  core.tBool = heap.registerType({ name: 'bool', basicSize: NUM_SIZE });
  core.tInt = heap.registerType({ name: 'int', basicSize: NUM_SIZE });
  core.tFloat = heap.registerType({
    name: 'float',
    basicSize: NUM_SIZE,
    freeList: keep(FLOAT_FREE_LIST),
  });
  core.tStr = heap.registerType({ name: 'str', basicSize: STR_HEADER_SIZE, itemSize: 1 });
  core.tBytes = heap.registerType({ name: 'bytes', basicSize: STR_HEADER_SIZE, itemSize: 1 });
  core.tTuple = heap.registerType({
    name: 'tuple',
    basicSize: TUPLE_HEADER_SIZE,
    itemSize: 4,
    itemsAreRefs: true,
    gc: true,
    lazyUntrack: 'tuple',
    freeList: keep(TUPLE_FREE_LIST),
    freeListItems: TUPLE_FREE_LIST_ITEMS,
    // No traverse: the core derives it from the item slots (last to first, as tupletraverse),
    // which also lets collectors walk tuples inline (ObjectSpace.refLayout).
    mayUntrack: (_heap, t) => tupleMayUntrack(core, t),
  });
  core.tList = heap.registerType({
    name: 'list',
    basicSize: LIST_SIZE,
    gc: true,
    freeList: keep(LIST_FREE_LIST),
    // No traverse: the core derives it from ob_item (items last to first, as list_traverse),
    // which also lets collectors walk list items inline (ObjectSpace.refLayout).
    itemsPointerOffset: LIST_ITEMS_OFF,
    clear: (_heap, l) => listClear(core, l),
  });
  core.tDict = heap.registerType({
    name: 'dict',
    basicSize: DICT_SIZE,
    gc: true,
    lazyUntrack: 'dict',
    freeList: keep(DICT_FREE_LIST),
    traverse: (_heap, d, visitor) => dictTraverse(core, d, visitor),
    clear: (_heap, d) => dictClear(core, d),
    mayUntrack: (_heap, d) => dictMayUntrack(core, d),
  });
  core.tType = heap.registerType({
    name: 'type',
    basicSize: CLASS_SIZE,
    gc: true,
    weakrefable: true,
    refOffset: CLASS_NAME_OFF,
    refCount: 1,
  });

  kind[core.tNone] = KIND_NONE;
  kind[core.tBool] = KIND_BOOL;
  kind[core.tInt] = KIND_INT;
  kind[core.tFloat] = KIND_FLOAT;
  kind[core.tStr] = KIND_STR;
  kind[core.tBytes] = KIND_BYTES;
  kind[core.tTuple] = KIND_TUPLE;
  kind[core.tList] = KIND_LIST;
  kind[core.tDict] = KIND_DICT;
  kind[core.tType] = KIND_TYPE;
  kind[heap.weakrefType] = KIND_WEAKREF;
}
