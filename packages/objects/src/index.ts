export {
  PyRuntime,
  createRuntime,
  type PyRuntimeOpts,
  type PyRuntimeStats,
  type BuiltinTypeIds,
} from './runtime.js';
export { PyHandle } from './handle.js';
export type { JsValue } from './convert.js';
export type { ClassOpts } from './classes.js';
export type { AttrName } from './instances.js';
export type { WeakrefCallback } from './weakref.js';
export type { IntApi, FloatApi, BoolApi } from './numbers.js';
export type { StrApi, BytesApi } from './strings.js';
export type { TupleApi } from './tuple.js';
export type { ListApi } from './list.js';
export type { DictApi } from './dict.js';
export type { ClassApi } from './classes.js';
export type { InstanceApi } from './instances.js';
export type { WeakrefApi } from './weakref.js';
export {
  HASH_BITS,
  HASH_INF,
  HASH_MODULUS,
  HASH_NONE,
  hashBytes,
  hashNumber,
  hashPointer,
} from './hash.js';
export { floatRepr, strRepr } from './repr.js';
export * from './layout.js';
