import type { Options } from 'tsup';
import { restoreConstBindings } from './build/src/const-bindings.js';

/**
 * The one build preset of every package: ESM + CJS + .d.ts from src/index.ts, for Node ≥ 20
 * and browsers alike. A package's tsup.config.ts is `export default pyheapTsup()`.
 * The bundles get their top-level `const`s back after esbuild (const-bindings.ts).
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
    plugins: [
      {
        name: 'restore-const-bindings',
        renderChunk(code, chunk) {
          if (chunk.type !== 'chunk' || !/\.(c|m)?js$/.test(chunk.path)) return;
          return restoreConstBindings(code, chunk.path) ?? undefined;
        },
      },
    ],
    ...overrides,
  };
}
