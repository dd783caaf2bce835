/**
 * `check-bundle [--no-load] [packageDir]` (a package's `check` script, after its build): the
 * package's published bundles are what the tests and benchmarks ran.
 * - No top-level `var` that restoreConstBindings would still turn into `const` is left in
 *   dist/index.js or dist/index.cjs (the build step ran: without it esbuild's `var`s slow the
 *   collector's loops by 1.7×, decision 0018).
 * - Both bundles load, and export the same names as the sources (not with --no-load: a test
 *   kit that imports vitest cannot be require()d).
 * Exits 1 with one line per problem.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { parseScript, varsNeverWritten } from './const-bindings.js';

export async function checkBundle(dir: string, load = true): Promise<string[]> {
  const problems: string[] = [];
  const esmPath = join(dir, 'dist/index.js');
  const cjsPath = join(dir, 'dist/index.cjs');
  for (const path of [esmPath, cjsPath]) {
    const file = parseScript(readFileSync(path, 'utf8'), path);
    // Rollup writes the CJS bundle's `var x = require(…)` and `var y = _interopDefault(x)`
    // after our step: module objects, read once by the module-local constant copies, not
    // constants themselves. Any other initialiser is a binding our step should have kept.
    const left = varsNeverWritten(file)
      .flatMap((s) => s.declarationList.declarations)
      .filter((d) => !(d.initializer !== undefined && ts.isCallExpression(d.initializer)))
      .map((d) => d.name.getText(file));
    if (left.length > 0) problems.push(`${path}: left as var: ${left.join(', ')}`);
  }
  if (!load) return problems;
  const esm = Object.keys(await import(pathToFileURL(esmPath).href)).sort();
  const cjs = Object.keys(createRequire(cjsPath)(cjsPath) as object).sort();
  const src = Object.keys(await import(pathToFileURL(join(dir, 'src/index.ts')).href)).sort();
  if (esm.join() !== src.join())
    problems.push(`${esmPath}: exports ${esm.join()} ≠ src ${src.join()}`);
  if (cjs.join() !== src.join())
    problems.push(`${cjsPath}: exports ${cjs.join()} ≠ src ${src.join()}`);
  return problems;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? '.';
  const problems = await checkBundle(resolve(dir), !args.includes('--no-load'));
  for (const p of problems) process.stderr.write(`check-bundle: ${p}\n`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
