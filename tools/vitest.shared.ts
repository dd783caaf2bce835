import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The one vitest project preset: a package's vitest.config.ts is
 * `export default pyheapVitest(import.meta.url)`. Tests import the packages through the
 * `@pyheap/source` export condition, so they run on src/ with no build.
 */
export function pyheapVitest(
  metaUrl: string,
  overrides: UserWorkspaceConfig['test'] = {},
): UserWorkspaceConfig {
  const root = new URL('.', metaUrl).pathname;
  const name = root.split('/').filter(Boolean).pop() ?? 'package';
  return defineProject({
    root,
    resolve: { conditions: ['@pyheap/source'] },
    ssr: { resolve: { conditions: ['@pyheap/source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      ...overrides,
    },
  });
}
