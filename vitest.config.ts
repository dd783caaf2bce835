import { defineConfig } from 'vitest/config';

// One root config listing every package as a project; `npx vitest run --project pymalloc`
// runs one of them. Each project is built by tools/vitest.shared.ts.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'tools/*/vitest.config.ts'],
  },
});
