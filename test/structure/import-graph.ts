import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

/**
 * The import graph of the TypeScript sources, read from the .ts files rather than dist/: the
 * compiled JavaScript has lost every `import type`, and a cycle through types is still a cycle a
 * reader has to untangle. TypeScript's own pre-processor finds static imports, `export … from`,
 * `import type` and dynamic `import()` alike, so a lazy import counts too.
 */

/** module (path relative to the repository root) → the modules it imports, in the same tree */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function readImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const files = dirs.flatMap((dir) => (readdirSync(join(root, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => normalize(join(dir, f))));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const deps = info.importedFiles
      .map((ref) => ref.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))))
      .filter((dep) => known.has(dep));
    graph.set(file, [...new Set(deps)].sort());
  }
  return graph;
}

/**
 * Every import cycle: the strongly connected components with more than one module, or a module that
 * imports itself (Tarjan's algorithm, iterative so a deep graph cannot overflow the stack). Each cycle
 * is sorted, and the list too, so a failure message is stable.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next); low.set(start, next); next++;
    stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const deps = graph.get(frame.node) ?? [];
      if (frame.edge < deps.length) {
        const dep = deps[frame.edge++]!;
        if (!index.has(dep)) {
          index.set(dep, next); low.set(dep, next); next++;
          stack.push(dep); onStack.add(dep);
          work.push({ node: dep, edge: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || deps.includes(frame.node)) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Imports from `from` (a folder prefix) into anything outside `allowed` (folder prefixes). */
export function importsOutside(graph: ImportGraph, from: string, allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    if (!file.startsWith(from)) continue;
    for (const dep of deps) if (!allowed.some((a) => dep.startsWith(a))) out.push(`${file} → ${dep}`);
  }
  return out;
}
