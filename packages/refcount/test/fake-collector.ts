/**
 * A minimal collector for the tests: an 8-byte prefix whose first word is 1 while the object
 * is tracked, a log of every hook call, and no collecting. It checks what the refcount core
 * promises: the prefix sits right before the object and is zeroed, hooks come only when
 * declared, `deallocating` comes before the block is freed.
 */
import {
  fail,
  type Addr,
  type CollectResult,
  type Collector,
  type CollectorHooks,
  type ObjectSpace,
} from '@pyheap/interface';

export class FakeCollector implements Collector {
  readonly name = 'fake';
  readonly prefixBytes: number;
  readonly capabilities = { generations: 1, thresholds: false, freeze: false, enumerate: true };
  readonly hooks: CollectorHooks;
  readonly garbage: Addr[] = [];
  readonly callbacks = [];
  space: ObjectSpace | null = null;
  attachCount = 0;
  readonly log: string[] = [];
  readonly tracked = new Set<Addr>();
  /**
   * Run from containerAllocated, as a collector that collects inside the allocation would run
   * finalizers and weakref callbacks there (schedule 'allocation', CPython 3.11).
   */
  onAllocated: ((obj: Addr) => void) | null = null;

  constructor(hooks: Partial<CollectorHooks> = {}, prefixBytes = 8) {
    this.prefixBytes = prefixBytes;
    this.hooks = {
      containerAllocated: false,
      decrefToNonZero: false,
      deallocating: false,
      ...hooks,
    };
  }

  private prefixWord(obj: Addr): number {
    return (obj - this.prefixBytes) >>> 2;
  }

  attach(space: ObjectSpace): void {
    this.space = space;
    this.attachCount++;
  }
  containerAllocated(obj: Addr): void {
    if (this.space!.memory.u32[this.prefixWord(obj)] !== 0)
      fail('E_CORRUPT_HEAP', 'prefix not zeroed');
    this.log.push(`alloc ${obj}`);
    this.onAllocated?.(obj);
  }
  decrefToNonZero(obj: Addr): void {
    this.log.push(`nonzero ${obj}`);
  }
  deallocating(obj: Addr): void {
    // The block must still be allocated when this hook runs.
    if (!this.space!.allocator.owns(obj - this.prefixBytes))
      fail('E_CORRUPT_HEAP', 'deallocating after free');
    this.log.push(`dealloc ${obj}`);
    this.untrack(obj);
  }
  track(obj: Addr): void {
    const w = this.prefixWord(obj);
    const u32 = this.space!.memory.u32;
    if (u32[w] !== 0) fail('E_ALREADY_TRACKED', 'object already tracked');
    u32[w] = 1;
    this.tracked.add(obj);
  }
  untrack(obj: Addr): void {
    this.space!.memory.u32[this.prefixWord(obj)] = 0;
    this.tracked.delete(obj);
  }
  isTracked(obj: Addr): boolean {
    return this.space!.memory.u32[this.prefixWord(obj)] !== 0;
  }
  collect(): CollectResult {
    return { generation: 0, collected: 0, uncollectable: 0 };
  }
  enable(): void {}
  disable(): void {}
  isEnabled(): boolean {
    return false;
  }
  isCollecting(): boolean {
    return false;
  }
  getCount(): number[] {
    return [0];
  }
  getThreshold(): number[] {
    return [0];
  }
  setThreshold(): void {}
  getStats() {
    return [{ collections: 0, collected: 0, uncollectable: 0 }];
  }
  getObjects(): Addr[] {
    return [...this.tracked];
  }
  freeze(): void {}
  unfreeze(): void {}
  getFreezeCount(): number {
    return 0;
  }
  setDebug(): void {}
  getDebug(): number {
    return 0;
  }
  setDebugSink(): void {}
}
