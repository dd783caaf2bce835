/// <reference lib="esnext.disposable" />
/**
 * Safe handles (docs/decisions/0012-objects-model.md): a PyHandle owns exactly one strong
 * reference and gives it back with `dispose()` — or automatically at the end of a `using`
 * block ([Symbol.dispose]). Any use after that throws E_HANDLE_DISPOSED; disposing twice is
 * harmless. Methods that return objects return new handles (each owns its own reference),
 * and accept handles or plain JS values (converted for the call, then released).
 *
 * Optional safety net (PyRuntimeOpts.handleSafetyNet, off by default): a FinalizationRegistry
 * releases the reference of a handle that JS garbage-collected without `dispose()`, and
 * counts it (rt.stats().leakedHandles). It is a net, not a strategy: when JS collects is
 * unspecified, so dispose handles. Hot paths use the raw address API and no handles.
 */
import { fail, type Addr } from '@pyheap/interface';
import type { Core } from './internal/core.js';
import {
  KIND_BYTES,
  KIND_DICT,
  KIND_INSTANCE,
  KIND_LIST,
  KIND_STR,
  KIND_TUPLE,
} from './internal/core.js';

/** What the safety net's registry holds for a live handle (never the handle itself). */
interface HeldRef {
  readonly core: Core;
  readonly addr: Addr;
}

/** @internal Per-runtime handle bookkeeping. */
export class HandleTable {
  readonly registry: FinalizationRegistry<HeldRef> | null;
  leaked = 0;

  constructor(safetyNet: boolean) {
    this.registry = safetyNet
      ? new FinalizationRegistry<HeldRef>((held) => {
          this.leaked++;
          held.core.heap.decref(held.addr);
        })
      : null;
  }
}

export class PyHandle {
  #core: Core | null;
  #addr: Addr;

  /** @internal Use rt.handle / rt.borrow / rt.newHandle. Takes over one reference to `addr`. */
  constructor(core: Core, addr: Addr) {
    this.#core = core;
    this.#addr = addr;
    core.handles.registry?.register(this, { core, addr }, this);
  }

  /** The object's address (BORROWED: valid while the handle lives). */
  get addr(): Addr {
    if (this.#core === null) disposed();
    return this.#addr;
  }

  get disposed(): boolean {
    return this.#core === null;
  }

  /** Release the reference. Idempotent. */
  dispose(): void {
    const core = this.#core;
    if (core === null) return;
    this.#core = null;
    core.handles.registry?.unregister(this);
    core.heap.decref(this.#addr);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Hand the reference to the caller (a NEW reference) and retire the handle. */
  release(): Addr {
    const core = this.live();
    this.#core = null;
    core.handles.registry?.unregister(this);
    return this.#addr;
  }

  /** A second handle to the same object (one more reference). */
  clone(): PyHandle {
    const core = this.live();
    core.heap.incref(this.#addr);
    return new PyHandle(core, this.#addr);
  }

  /** Python type name ("list"). */
  get typeName(): string {
    return this.live().heap.typeName(this.#addr);
  }

  get refcnt(): number {
    return this.live().heap.refcnt(this.#addr);
  }

  /** The object as a JS value (rt.toJS). */
  toJS(): unknown {
    return this.live().rt.toJS(this.#addr);
  }

  toString(): string {
    return this.#core === null ? '<disposed PyHandle>' : this.#core.rt.repr(this.#addr);
  }

  /** len(obj) for str, bytes, tuple, list and dict. */
  len(): number {
    const core = this.live();
    const rt = core.rt;
    const a = this.#addr;
    switch (core.kindOf(a)) {
      case KIND_STR:
        return rt.str.len(a);
      case KIND_BYTES:
        return rt.bytes.len(a);
      case KIND_TUPLE:
        return rt.tuple.len(a);
      case KIND_LIST:
        return rt.list.len(a);
      case KIND_DICT:
        return rt.dict.len(a);
      default:
        return fail('E_TYPE_ERROR', `object of type '${core.nameOf(a)}' has no len()`);
    }
  }

  /** obj[key] (list/tuple index, dict key) or getattr(obj, key) for instances. */
  get(key: unknown): PyHandle {
    const core = this.live();
    const rt = core.rt;
    const a = this.#addr;
    let item: Addr;
    switch (core.kindOf(a)) {
      case KIND_LIST:
        item = rt.list.get(a, key as number);
        break;
      case KIND_TUPLE:
        item = rt.tuple.get(a, key as number);
        break;
      case KIND_DICT:
        item = withArg(core, key, (k) => rt.dict.get(a, k));
        break;
      case KIND_INSTANCE:
        item = rt.instance.getAttr(a, attrName(key));
        break;
      default:
        return fail('E_TYPE_ERROR', `'${core.nameOf(a)}' object is not subscriptable`);
    }
    core.heap.incref(item);
    return new PyHandle(core, item);
  }

  /** obj[key] = value (list index, dict key) or setattr for instances. */
  set(key: unknown, value: unknown): void {
    const core = this.live();
    const rt = core.rt;
    const a = this.#addr;
    const k = core.kindOf(a);
    withArg(core, value, (v) => {
      if (k === KIND_LIST) rt.list.set(a, key as number, v);
      else if (k === KIND_DICT) {
        if (!withArg(core, key, (kk) => rt.dict.set(a, kk, v))) outOfMemory();
      } else if (k === KIND_INSTANCE) {
        if (!rt.instance.setAttr(a, attrName(key), v)) outOfMemory();
      } else fail('E_TYPE_ERROR', `'${core.nameOf(a)}' object does not support item assignment`);
      return 0;
    });
  }

  /** del obj[key] / delattr. */
  delete(key: unknown): void {
    const core = this.live();
    const rt = core.rt;
    const a = this.#addr;
    const k = core.kindOf(a);
    if (k === KIND_LIST) rt.list.delete(a, key as number);
    else if (k === KIND_DICT) withArg(core, key, (kk) => (rt.dict.delete(a, kk), 0));
    else if (k === KIND_INSTANCE) rt.instance.delAttr(a, attrName(key));
    else fail('E_TYPE_ERROR', `'${core.nameOf(a)}' object does not support item deletion`);
  }

  /** list.append(value). */
  append(value: unknown): void {
    const core = this.live();
    withArg(core, value, (v) => {
      if (!core.rt.list.append(this.#addr, v)) outOfMemory();
      return 0;
    });
  }

  private live(): Core {
    const core = this.#core;
    if (core === null) return disposed();
    return core;
  }
}

/** Run `fn` with the object for a JS value or handle (a temporary reference when converted). */
function withArg<R>(core: Core, value: unknown, fn: (addr: Addr) => R): R {
  if (value instanceof PyHandle) return fn(value.addr);
  const addr = core.rt.fromJS(value);
  if (addr === 0) outOfMemory();
  try {
    return fn(addr);
  } finally {
    core.heap.decref(addr);
  }
}

function attrName(key: unknown): string | Addr {
  if (typeof key === 'string') return key;
  if (key instanceof PyHandle) return key.addr;
  return fail('E_TYPE_ERROR', `attribute name must be string, not '${typeof key}'`);
}

function disposed(): never {
  fail('E_HANDLE_DISPOSED', 'the PyHandle was disposed');
}

function outOfMemory(): never {
  fail('E_OUT_OF_MEMORY', 'out of memory');
}
