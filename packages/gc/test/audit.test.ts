/*
 * gc's audit events (Modules/gcmodule.c: PySys_Audit in get_objects, get_referrers,
 * get_referents), delivered to the facade's `audit` option as sys.addaudithook hooks get them.
 */
import { describe, expect, it } from 'vitest';
import { GenerationalCollector } from '@pyheap/generational';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import { createGc, kwargs, type GcModuleOpts } from '../src/index.js';
import { error } from './helpers.js';

function setup(opts: GcModuleOpts) {
  const collector = new GenerationalCollector({ enabled: false });
  const heap = new ObjectHeap({ allocator: createPymalloc(), collector });
  const Box = heap.registerType({
    name: 'Box',
    basicSize: 12,
    refOffset: 8,
    refCount: 1,
    gc: true,
  });
  const box = heap.alloc(Box);
  heap.track(box);
  return { gc: createGc(collector, heap, opts), box };
}

describe('gc audit events', () => {
  it('get_objects(generation) / get_referrers(*objs) / get_referents(*objs), with their arguments', () => {
    const events: [string, readonly unknown[]][] = [];
    const { gc, box } = setup({ audit: (event, args) => events.push([event, args]) });
    gc.getObjects();
    gc.getObjects(1);
    gc.getObjects(kwargs({ generation: null }));
    gc.getReferrers(box);
    gc.getReferents(box, box);
    gc.collect();
    expect(events).toEqual([
      ['gc.get_objects', [-1]],
      ['gc.get_objects', [1]],
      ['gc.get_objects', [-1]],
      ['gc.get_referrers', [[box]]],
      ['gc.get_referents', [[box, box]]],
    ]);
  });

  it('the event comes after argument conversion and before the range checks (gc_get_objects_impl)', () => {
    const events: unknown[] = [];
    const { gc } = setup({ audit: (event, args) => events.push([event, ...args]) });
    expect(error(() => gc.getObjects(5))).toEqual([
      'E_BAD_GENERATION',
      'generation parameter must be less than the number of available generations (3)',
    ]);
    expect(error(() => gc.getObjects('x' as unknown as number))[0]).toBe('E_TYPE_ERROR');
    expect(error(() => gc.getReferrers(kwargs({ x: 1 }) as unknown as number))[0]).toBe(
      'E_TYPE_ERROR',
    );
    expect(events).toEqual([['gc.get_objects', 5]]);
  });

  it('a hook that throws ends the call with its error', () => {
    const { gc, box } = setup({
      audit: (event) => {
        if (event === 'gc.get_referrers') throw new Error('audit says no');
      },
    });
    expect(() => gc.getReferrers(box)).toThrow('audit says no');
    expect(gc.getReferents(box)).toEqual([]);
    expect(error(() => createGc(gc.collector, gc.space, { audit: 1 as never }))).toEqual([
      'E_INVALID_ARGUMENT',
      'audit must be a function',
    ]);
  });
});
