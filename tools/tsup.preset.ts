import type { Options } from 'tsup';

/**
 * The one build preset of every package: ESM + CJS + .d.ts from src/index.ts, for Node ≥ 20
 * and browsers alike. A package's tsup.config.ts is `export default pyheapTsup()`.
 */
export function pyheapTsup(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
    splitting: false,
    ...overrides,
  };
}
