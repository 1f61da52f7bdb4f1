import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * Every export of `rxtls`, `rxtls/browser` and `rxtls/testing` carries TSDoc with an `@example`: on its own
 * declaration, or — for the members of a module that documents them together, such as the
 * event types or the defaults — on the module.
 */
describe('public API documentation', () => {
  const entries = ['lib/index.ts', 'lib/browser.ts', 'lib/testing/index.ts', 'lib/otel/index.ts'].map((p) => join(__dirname, '..', p));
  const program = ts.createProgram(entries, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS });
  const checker = program.getTypeChecker();

  /** The JSDoc comments attached to a node (a file's first statement also carries the file's). */
  const docs = (node: ts.Node): readonly ts.JSDoc[] => (node as ts.Node & { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const tagged = (doc: ts.JSDoc, name: string) => (doc.tags ?? []).some((tag) => tag.tagName.text === name);
  const hasExample = (node: ts.Node) => docs(node).some((doc) => tagged(doc, 'example'));
  const moduleHasExample = (file: ts.SourceFile) => {
    const first = file.statements[0];
    return first !== undefined && docs(first).some((doc) => tagged(doc, 'module') && tagged(doc, 'example'));
  };
  const documented = (declaration: ts.Declaration) => {
    // variable declarations carry their docs on the statement
    const holder = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
    return hasExample(holder) || moduleHasExample(declaration.getSourceFile());
  };

  for (const entry of entries) {
    const source = program.getSourceFile(entry);
    const symbol = source && checker.getSymbolAtLocation(source);
    const exports = symbol ? checker.getExportsOfModule(symbol) : [];
    it(`${entry.split('/lib/')[1]} exports something`, () =>
      entry.endsWith('otel/index.ts')
        ? expect(exports.map((e) => e.getName()).sort()).toEqual(['RxtlsInstrumentationOptions', 'instrumentRxtls'])
        : expect(exports.length).toBeGreaterThan(5));
    it.each(exports.map((e) => [e.getName(), e] as const))(`${entry.split('/lib/')[1]}: %s has an @example`, (_name, exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = target.getDeclarations() ?? [];
      expect(declarations.length).toBeGreaterThan(0);
      expect(declarations.some(documented)).toBe(true);
    });
  }
});

describe("the README's defaults table", () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const defaults = readFileSync(join(__dirname, '..', 'lib', 'defaults.ts'), 'utf8');
  const names = [...defaults.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
  it('finds the defaults', () => expect(names.length).toBeGreaterThan(15));
  it.each(names)('lists %s', (name) => expect(readme).toContain(`\`${name}\``));
});
