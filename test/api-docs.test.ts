// Every public member has a doc comment, as an editor shows it on hover: each export of the
// package's entries (clusterip, clusterip/browser — the same types — and clusterip/etcd), and
// for classes and interfaces each constructor, method, accessor and property a user can reach.
// Read from the published declarations (dist/*.d.ts) with the TypeScript compiler API.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist');
const ENTRIES = { clusterip: join(dist, 'index.d.ts'), 'clusterip/etcd': join(dist, 'shared', 'index.d.ts') };

const program = ts.createProgram(Object.values(ENTRIES), { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'] });
const checker = program.getTypeChecker();

const documented = (symbol: ts.Symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '';
const isPrivate = (declaration: ts.Declaration) =>
  (ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 ||
  (ts.isPropertyDeclaration(declaration) && ts.isPrivateIdentifier(declaration.name));
// The package's internal hooks (keyed by the symbols in internal.ts) are not part of the API.
const isInternalHook = (symbol: ts.Symbol) => symbol.getDeclarations()?.some((d) => {
  const name = ts.getNameOfDeclaration(d);
  return name !== undefined && ts.isComputedPropertyName(name) && !/^Symbol\./.test(name.expression.getText());
}) ?? false;

/** "Export.member" for every undocumented public part of one entry. */
function undocumented(entry: string): string[] {
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const name = exported.getName();
    if (!documented(symbol)) missing.push(name);
    if (!(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) continue;
    const members = [...(symbol.members?.values() ?? []), ...(symbol.flags & ts.SymbolFlags.Class ? checker.getExportsOfModule(symbol).filter((s) => !(s.flags & ts.SymbolFlags.Prototype)) : [])];
    for (const member of members) {
      const declarations = member.getDeclarations() ?? [];
      if (declarations.length === 0 || declarations.every(isPrivate) || isInternalHook(member)) continue;
      if (member.flags & ts.SymbolFlags.Constructor) {
        // Each overload a caller can pick shows its own comment.
        if (declarations.some((d) => ts.getJSDocCommentsAndTags(d).length === 0)) missing.push(`${name}.constructor`);
        continue;
      }
      if (!documented(member)) missing.push(`${name}.${member.getName()}`);
    }
  }
  return missing;
}

describe('hover docs on the public API', () => {
  it.each(Object.keys(ENTRIES) as (keyof typeof ENTRIES)[])('%s: every export and every public member has a doc comment', (entry) => {
    expect(undocumented(ENTRIES[entry])).toEqual([]);
  });
});
