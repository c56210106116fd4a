import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * The folder layers: domain/ holds pure decisions and imports neither
 * activities/ nor workflows/; activities/ never import workflows/ (not even types); workflows/
 * import activities/ as types only; common/ and inventory/ sit below them all. eslint.config.js
 * says the same per folder; this test names every broken import even where eslint is not run.
 */

const ROOT = join(__dirname, '..', '..');

interface SourceImport {
  /** The import as written, e.g. '../../activities/switch-activities'. */
  readonly specifier: string;
  /** The repo folder it resolves to (first path segment), or the package name. */
  readonly target: string;
  readonly typeOnly: boolean;
}

/** Every import, export-from, require() and import() in one source text. */
function importsOf(file: string, text: string): SourceImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: SourceImport[] = [];
  const add = (specifier: string, typeOnly: boolean): void => {
    let target = specifier;
    if (specifier.startsWith('.')) {
      const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
      target = resolved.split('/')[0] ?? resolved;
    } else if (!specifier.startsWith('@')) target = specifier.split('/')[0] ?? specifier;
    found.push({ specifier, target, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, clause?.isTypeOnly === true || allNamedTypes);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0] as ts.Node)
    ) {
      add((node.arguments[0] as ts.StringLiteral).text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const lit = node.argument.literal;
      if (ts.isStringLiteral(lit)) add(lit.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface LayerRule {
  readonly folder: string;
  /** Why, for the failure message. */
  readonly rule: string;
  readonly broken: (i: SourceImport) => boolean;
}

const DOMAIN_MAY_IMPORT = new Set(['domain', 'common', 'inventory', 'zod']);

const LAYER_RULES: readonly LayerRule[] = [
  {
    folder: 'domain',
    rule: 'domain/ imports only domain/, common/, inventory/, zod (and drivers/ types)',
    broken: (i) => !DOMAIN_MAY_IMPORT.has(i.target) && !(i.target === 'drivers' && i.typeOnly),
  },
  {
    folder: 'activities',
    rule: 'activities/ import nothing from workflows/, not even types (use domain/)',
    broken: (i) => i.target === 'workflows',
  },
  {
    folder: 'workflows',
    rule: 'workflows/ import activities/ as types only (import type)',
    broken: (i) => i.target === 'activities' && !i.typeOnly,
  },
  ...['common', 'inventory'].map((folder) => ({
    folder,
    rule: `${folder}/ imports none of domain/, activities/, workflows/`,
    broken: (i: SourceImport) => ['domain', 'activities', 'workflows'].includes(i.target),
  })),
];

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => posix.join(folder, f.split(sep).join('/')));
}

/** `file: import 'x' (rule)` for each import that breaks its folder's rule. */
function layerViolations(
  files: ReadonlyArray<{ readonly file: string; readonly text: string }>,
): string[] {
  return files.flatMap(({ file, text }) => {
    const rule = LAYER_RULES.find((r) => file.startsWith(`${r.folder}/`));
    if (rule === undefined) return [];
    return importsOf(file, text)
      .filter(rule.broken)
      .map(
        (i) => `${file}: ${i.typeOnly ? 'import type' : 'import'} '${i.specifier}' (${rule.rule})`,
      );
  });
}

describe('folder layers', () => {
  it('no source file breaks its folder rule', () => {
    const files = LAYER_RULES.flatMap((r) => sourceFiles(r.folder)).map((file) => ({
      file,
      text: readFileSync(join(ROOT, file), 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(100);
    expect(layerViolations(files)).toEqual([]);
  });

  it('names the file and the import that breaks a rule', () => {
    const files = [
      { file: 'activities/x.ts', text: "import type { A } from '../workflows/a';" },
      { file: 'workflows/w/y.ts', text: "import { b } from '../../activities/b';" },
      { file: 'workflows/w/ok.ts', text: "import { type B } from '../../activities/b';" },
      { file: 'domain/d/z.ts', text: "import { proxyActivities } from '@temporalio/workflow';" },
      { file: 'domain/d/t.ts', text: "import type { S } from '../../drivers/s';" },
      { file: 'domain/d/u.ts', text: "export { c } from '../../workflows/c';" },
      { file: 'inventory/v.ts', text: "const d = require('../domain/d');" },
    ];
    expect(layerViolations(files)).toEqual([
      "activities/x.ts: import type '../workflows/a' (activities/ import nothing from workflows/, not even types (use domain/))",
      "workflows/w/y.ts: import '../../activities/b' (workflows/ import activities/ as types only (import type))",
      "domain/d/z.ts: import '@temporalio/workflow' (domain/ imports only domain/, common/, inventory/, zod (and drivers/ types))",
      "domain/d/u.ts: import '../../workflows/c' (domain/ imports only domain/, common/, inventory/, zod (and drivers/ types))",
      "inventory/v.ts: import '../domain/d' (inventory/ imports none of domain/, activities/, workflows/)",
    ]);
  });
});
