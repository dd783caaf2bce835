/**
 * The benchmark.js micro-suite (`npm run bench -- --micro`): one malloc+free pair of a fixed
 * size, repeated, for pymalloc, raw and @thi.ng/malloc's MemPool, reported as ops/sec ± the
 * relative margin of error. Like the workloads, each allocator runs in its own worker so that
 * the measured call sites see one class.
 */
import Benchmark from 'benchmark';
import { createMemPool, factoryOf } from './allocators.js';
import type { BenchEnv } from './env.js';

export const MICRO_SIZES = [16, 64, 256, 4096] as const;
export const MICRO_VARIANTS = ['pymalloc', 'raw', 'thi.ng-mempool'] as const;

export interface MicroResult {
  readonly variant: string;
  readonly size: number;
  /** Operations (pairs) per second. */
  readonly hz: number;
  /** Relative margin of error, percent. */
  readonly rme: number;
  /** Samples benchmark.js took. */
  readonly samples: number;
}

interface PairTarget {
  malloc(size: number): number;
  free(addr: number): unknown;
}

function targetOf(variant: string, env: BenchEnv): PairTarget {
  if (variant === 'thi.ng-mempool') return createMemPool(16 << 20);
  return factoryOf(env.allocators, variant).create();
}

export function runMicro(
  variant: string,
  env: BenchEnv,
  quick: boolean,
  progress: (line: string) => void,
): MicroResult[] {
  const heap = targetOf(variant, env);
  const suite = new Benchmark.Suite(`micro ${variant}`);
  for (const size of MICRO_SIZES) {
    suite.add(
      `${variant} malloc+free ${size}`,
      () => {
        const a = heap.malloc(size);
        if (a === 0) throw new Error(`${variant}: malloc(${size}) returned 0`);
        heap.free(a);
      },
      { maxTime: quick ? 0.5 : 2 },
    );
  }
  const out: MicroResult[] = [];
  let failure: unknown = null;
  suite.on('cycle', (e: Benchmark.Event) => {
    const b = e.target as unknown as Benchmark;
    progress(`  ${String(b)}`);
    const size = MICRO_SIZES[out.length];
    out.push({
      variant,
      size,
      hz: b.hz ?? 0,
      rme: b.stats?.rme ?? 0,
      samples: b.stats?.sample.length ?? 0,
    });
  });
  suite.on('error', (e: Benchmark.Event) => {
    failure = (e.target as unknown as { error?: unknown }).error;
  });
  suite.run({ async: false });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return out;
}
