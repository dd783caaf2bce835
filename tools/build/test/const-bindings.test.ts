import { describe, expect, it } from 'vitest';
import { restoreConstBindings } from '../src/const-bindings.js';

const restore = (code: string): string => restoreConstBindings(code, 'x.js')?.code ?? code;

describe('restoreConstBindings', () => {
  it('turns never-written top-level vars back into const, keeping the rest of the text', () => {
    const code = [
      'var SHIFT = 2;',
      'var MASK = 1, SHIFT2 = SHIFT;',
      'var names = [',
      '  "a",',
      '];',
      'function f(u) { return u[0] >>> SHIFT; }',
      '',
    ].join('\n');
    expect(restore(code)).toBe(code.replace(/^var /gm, 'const '));
  });

  it('leaves a var that is written anywhere, in any form and any scope', () => {
    const writes = [
      'n = 1;',
      'n += 1;',
      'n ??= 1;',
      'n++;',
      '--n;',
      '[a, n] = [1, 2];',
      '({ n } = o);',
      '({ k: n } = o);',
      '[n = 1] = [];',
      '[...n] = [];',
      'for (n of xs) {}',
      'for (n in o) {}',
      'function g() { let n = 0; n = 2; }', // shadowed: still left alone (conservative)
    ];
    for (const write of writes) {
      const code = `var n = 0;\n${write}\n`;
      expect(restore(code), write).toBe(code);
    }
  });

  it('leaves block-scoped declarations, vars without initialiser, and names declared twice', () => {
    for (const code of [
      'let a = 1;\nconst b = 2;\n',
      'var a;\nvar b = 1;\n',
      'var a = 1;\nfunction a() {}\n',
      'var a = 1;\nvar a = 2;\n',
      'var { a } = o;\n',
    ]) {
      const out = restore(code);
      if (code === 'var a;\nvar b = 1;\n') expect(out).toBe('var a;\nconst b = 1;\n');
      else expect(out).toBe(code);
    }
  });

  it('only looks at top-level statements', () => {
    const code = 'function f() { var x = 1; return x; }\nif (c) { var y = 2; }\n';
    expect(restoreConstBindings(code, 'x.js')).toBeNull();
  });

  it('gives a source map of the edit: columns after the keyword move by two', () => {
    const r = restoreConstBindings('var A = 1;\nvar B = A;\n', 'x.js');
    expect(r).not.toBeNull();
    expect(r!.code).toBe('const A = 1;\nconst B = A;\n');
    expect(r!.map.sources).toEqual(['x.js']);
    expect(r!.map.mappings.split(';')).toHaveLength(3);
  });

  it('keeps the module evaluating as before', async () => {
    const code = [
      'var SHIFT = 3;',
      'var table = [1, 2, 3].map((x) => x << SHIFT);',
      'var counter = 0;',
      'function bump() { counter++; return counter; }',
      'export const result = table.join() + ":" + bump() + bump();',
      '',
    ].join('\n');
    const out = restore(code);
    expect(out).toContain('const SHIFT');
    expect(out).toContain('var counter');
    const mod = (await import(`data:text/javascript,${encodeURIComponent(out)}`)) as {
      result: string;
    };
    expect(mod.result).toBe('8,16,24:12');
  });
});
