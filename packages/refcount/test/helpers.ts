/**
 * Test environment: a heap over a fresh allocator, with the leak check every test ends with
 * (every object freed, the allocator back to its starting block count, check() passing).
 */
import { afterEach, expect } from 'vitest';
import { createPymalloc } from '@pyheap/pymalloc';
import {
  isPyheapError,
  type Addr,
  type Allocator,
  type ErrorCode,
  type PyheapError,
} from '@pyheap/interface';
import { ObjectHeap, type ObjectHeapOpts } from '../src/index.js';

export interface Env {
  allocator: Allocator;
  heap: ObjectHeap;
  /** allocator.stats().blocksInUse before the heap existed. */
  baseline: number;
  /** What reached the unraisable hook: [error, context]. */
  unraisable: [unknown, string][];
  /** Objects the test deliberately leaves alive (immortal ones); checked at the end. */
  keep: number;
}

const envs: Env[] = [];

/** The allocator every test runs on: pymalloc, as CPython's objects. */
export function newAllocator(): Allocator {
  return createPymalloc();
}

/**
 * A heap over a fresh allocator. Registered for the leak check after the test unless
 * `checkAfterTest` is false (property runs check their own and must not pile up heaps).
 */
export function makeEnv(opts: Partial<ObjectHeapOpts> = {}, checkAfterTest = true): Env {
  const allocator = opts.allocator ?? newAllocator();
  const baseline = allocator.stats().blocksInUse;
  const unraisable: [unknown, string][] = [];
  const heap = new ObjectHeap({
    unraisableHook: (e, ctx) => unraisable.push([e, ctx]),
    ...opts,
    allocator,
  });
  const env: Env = { allocator, heap, baseline, unraisable, keep: 0 };
  if (checkAfterTest) envs.push(env);
  return env;
}

/** Every test file calls this once: after each test, nothing may be left behind. */
export function useLeakCheck(): void {
  afterEach(() => {
    const list = envs.splice(0);
    for (const env of list) {
      env.heap.check();
      env.allocator.check();
      expect(env.heap.stats().liveObjects).toBe(env.keep);
      if (env.keep === 0) expect(env.allocator.stats().blocksInUse).toBe(env.baseline);
    }
  });
}

/** The PyheapError `fn` throws, or null when it returns (other exceptions propagate). */
function pyheapErrorOf(fn: () => unknown): PyheapError | null {
  try {
    fn();
  } catch (e) {
    if (isPyheapError(e)) return e;
    throw e;
  }
  return null;
}

/** The code of what `fn` throws (a PyheapError), or 'no error'. */
export function codeOf(fn: () => unknown): ErrorCode | 'no error' {
  return pyheapErrorOf(fn)?.code ?? 'no error';
}

/** The message of what `fn` throws (a PyheapError), or 'no error'. */
export function messageOf(fn: () => unknown): string {
  return pyheapErrorOf(fn)?.message ?? 'no error';
}

/** A class-instance-like type: `slots` reference slots after the header, GC, weakrefable. */
export function slotsType(
  heap: ObjectHeap,
  name: string,
  slots: number,
  extra: Partial<Parameters<ObjectHeap['registerType']>[0]> = {},
): number {
  return heap.registerType({
    name,
    basicSize: 8 + 4 * slots,
    refOffset: 8,
    refCount: slots,
    gc: true,
    weakrefable: true,
    ...extra,
  });
}

/** Byte offset of reference slot k of a slotsType. */
export const slot = (k: number): number => 8 + 4 * k;

/** Build a chain of `n` objects of `type` (slot 0 = next); returns the head (one reference). */
export function chain(heap: ObjectHeap, type: number, n: number): Addr {
  let head = 0;
  for (let k = 0; k < n; k++) {
    const node = heap.alloc(type);
    heap.setSlot(node, 8, head);
    head = node;
  }
  return head;
}
