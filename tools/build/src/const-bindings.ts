import MagicString from 'magic-string';
import ts from 'typescript';

/**
 * esbuild turns every top-level `const` and `let` of a bundle into `var` (on purpose, and with
 * no option to keep them). V8 folds a module-level `const` into the code that reads it; a `var`
 * it loads from the module context at every use, so a hot loop that shifts or masks by a named
 * constant runs much slower from the bundle than from the sources: the collector's G4 loop
 * 4.8 ms instead of 2.8 (docs/decisions/0018, "Bundles").
 *
 * `restoreConstBindings` gives a bundle its constants back: a top-level `var` statement whose
 * bindings all have an initialiser and are never written anywhere in the file (no assignment,
 * `++`/`--`, destructuring or for-in/of target with that name, in any scope: conservative)
 * becomes `const`. Those were `const` (or never-reassigned `let`) in the sources, and the
 * bundle keeps their evaluation order, so the temporal dead zone they get back is the one the
 * sources had. Returns null when nothing changes.
 */
export function restoreConstBindings(
  code: string,
  fileName: string,
): { code: string; map: ReturnType<MagicString['generateMap']> } | null {
  const file = parseScript(code, fileName);
  const statements = varsNeverWritten(file);
  if (statements.length === 0) return null;
  const out = new MagicString(code);
  for (const statement of statements) {
    const at = statement.declarationList.getStart(file);
    out.overwrite(at, at + 'var'.length, 'const');
  }
  return { code: out.toString(), map: out.generateMap({ hires: true, source: fileName }) };
}

/** `code` parsed as JavaScript. */
export function parseScript(code: string, fileName: string): ts.SourceFile {
  return ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
}

/**
 * The top-level `var` statements of `file` that can be `const`: every binding has an
 * initialiser, is declared once at the top level, and is never written.
 */
export function varsNeverWritten(file: ts.SourceFile): ts.VariableStatement[] {
  const written = writtenNames(file);
  const declared = topLevelDeclarationCounts(file);
  return file.statements.filter(
    (statement): statement is ts.VariableStatement =>
      ts.isVariableStatement(statement) &&
      (statement.declarationList.flags & ts.NodeFlags.BlockScoped) === 0 &&
      statement.declarationList.declarations.every(
        (d) =>
          d.initializer !== undefined &&
          ts.isIdentifier(d.name) &&
          !written.has(d.name.text) &&
          declared.get(d.name.text) === 1,
      ),
  );
}

/** How many top-level declarations each name has (a `const` may only have one). */
function topLevelDeclarationCounts(file: ts.SourceFile): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: ts.Node | undefined): void => {
    if (name !== undefined && ts.isIdentifier(name)) {
      counts.set(name.text, (counts.get(name.text) ?? 0) + 1);
    }
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) add(d.name);
    } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
      add(statement.name);
    }
  }
  return counts;
}

/** Every identifier the file writes to (by name, whatever scope it belongs to). */
function writtenNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const targets = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    else if (ts.isShorthandPropertyAssignment(node)) names.add(node.name.text);
    else if (ts.isPropertyAssignment(node)) targets(node.initializer);
    else if (
      ts.isParenthesizedExpression(node) ||
      ts.isSpreadElement(node) ||
      ts.isSpreadAssignment(node)
    ) {
      targets(node.expression);
    } else if (ts.isBinaryExpression(node)) {
      targets(node.left); // a default value in a pattern: `[x = 1] = …`
    } else if (ts.isArrayLiteralExpression(node)) node.elements.forEach(targets);
    else if (ts.isObjectLiteralExpression(node)) node.properties.forEach(targets);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) {
        targets(node.left);
      }
    } else if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) {
      const op = node.operator;
      if (op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken) {
        targets(node.operand);
      }
    } else if (
      (ts.isForInStatement(node) || ts.isForOfStatement(node)) &&
      !ts.isVariableDeclarationList(node.initializer)
    ) {
      targets(node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}
