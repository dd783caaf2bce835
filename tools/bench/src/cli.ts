/**
 * Entry point of `npm run bench` (node --expose-gc --import tsx tools/bench/src/cli.ts).
 *
 * The workspace packages resolve to their sources only under the `@pyheap/source` export
 * condition (there is no build). When this process was started without it, it starts
 * itself again with it (and with --expose-gc), passing the arguments through, so that the
 * root script works as it is. With `--built` it is the other way round: the packages must
 * resolve to their dist/ bundles (what npm installs), so it starts itself without the
 * condition. Then main.ts does the work.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BUILT_ENV, nodeFlags } from './protocol.js';

function resolvesTo(): 'src' | 'dist' | null {
  try {
    const url = import.meta.resolve('@pyheap/interface');
    return url.endsWith('/src/index.ts') ? 'src' : url.endsWith('/dist/index.js') ? 'dist' : null;
  } catch {
    return null;
  }
}

const RELAUNCHED = 'PYHEAP_BENCH_RELAUNCHED';

const built = process.argv.slice(2).includes('--built');
if (built) process.env[BUILT_ENV] = '1';

if (
  resolvesTo() !== (built ? 'dist' : 'src') ||
  typeof (globalThis as { gc?: unknown }).gc !== 'function'
) {
  if (process.env[RELAUNCHED]) {
    process.stderr.write(
      built
        ? 'bench: --built needs the packages built (npx nx run-many -t build) and --expose-gc\n'
        : 'bench: cannot get the @pyheap/source condition and --expose-gc\n',
    );
    process.exit(2);
  }
  const r = spawnSync(
    process.execPath,
    [...nodeFlags(), fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, [RELAUNCHED]: '1' },
    },
  );
  process.exit(r.status ?? 1);
} else {
  const { main } = await import('./main.js');
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}
