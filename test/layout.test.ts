// The folders' dependencies point one way: what ships never needs what is
// built on top of it, and no two folders import each other (a cycle between
// folders makes neither one understandable nor shippable on its own).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const FOLDERS = ['lib', 'lambda', 'finspace', 'toolkit', 'cli', 'local', 'bin', 'bench', 'scripts', 'test'];

/** Folder → the other top-level folders its TypeScript and CommonJS files import (relative imports). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const folder of FOLDERS) {
    const targets = new Set<string>();
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !/\.(ts|cts|cjs)$/.test(entry.name)) continue;
      if (relative(root, entry.parentPath).split('/').includes('node_modules')) continue;
      const file = join(entry.parentPath, entry.name);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\(|require\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = relative(root, resolve(dirname(file), m[1])).split('/')[0];
        if (target !== folder && FOLDERS.includes(target)) targets.add(target);
      }
    }
    graph.set(folder, targets);
  }
  return graph;
}

/** Every cycle's folders, found by depth-first search (empty when the graph points one way). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const visit = (folder: string, path: string[]) => {
    for (const next of graph.get(folder) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) found.push([...path.slice(at), next]);
      else visit(next, [...path, next]);
    }
  };
  for (const folder of FOLDERS) visit(folder, [folder]);
  return found;
}

test('no two folders import each other, directly or through others', () => {
  const graph = folderGraph();
  // The graph is not empty: the walk found the imports it is about.
  expect([...graph.get('cli')!].sort()).toEqual(expect.arrayContaining(['local', 'toolkit']));
  expect(cycles(graph)).toEqual([]);
});

test('the local engine and the shared toolkit never reach into the CLI', () => {
  const graph = folderGraph();
  expect([...graph.get('local')!]).not.toContain('cli');
  expect([...graph.get('toolkit')!].filter((f) => ['cli', 'local'].includes(f))).toEqual([]);
});

test('the cycle check finds a cycle between two folders', () => {
  const graph = new Map([
    ['cli', new Set(['local'])],
    ['local', new Set(['cli'])],
  ]);
  expect(cycles(graph)).toContainEqual(['cli', 'local', 'cli']);
});
