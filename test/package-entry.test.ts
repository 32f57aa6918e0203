// The built package as users get it: its entry, its example, and what the browser rules demand.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function runNode(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

describe('package entry', () => {
  it('examples/basic.mjs prints the /24 breakdown and seeded allocations', () => {
    const run = runNode(['examples/basic.mjs']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('range 10.96.0.0/24 (IPv4): 254 usable addresses, 10.96.0.1 – 10.96.0.254');
    expect(run.stdout).toContain('static band: 10.96.0.1 – 10.96.0.16 (16 addresses, bandOffset 16)');
    expect(run.stdout).toContain('static: kube-dns gets 10.96.0.10');
    expect(run.stdout).toContain('dynamic: 10.96.0.193, 10.96.0.55, 10.96.0.83, 10.96.0.98, 10.96.0.26');
    expect(run.stdout).toContain('ERR_ALLOCATED: provided IP is already allocated');
  });

  it('imports by package name with no bundler or flags', () => {
    const run = runNode(['--input-type=module', '-e', `
      import { ClusterIPAllocator, AllocatorError, describeRange } from 'clusterip';
      const a = new ClusterIPAllocator('fd00:10:96::/112', { seed: 1 });
      console.log(JSON.stringify([a.allocate('fd00:10:96::a'), typeof AllocatorError, describeRange('10.0.0.0/24').bandOffset]));
    `]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['fd00:10:96::a', 'function', 16]);
  });

  // No entry's module graph may await at top level (Node refuses to require() such a graph), and
  // what a browser loads — the main entry and everything it imports — holds no node: import and
  // reaches neither clusterip/etcd (dist/shared) nor the CLI (dist/cli).
  const graphOf = (entry: string) => {
    const dist = join(root, 'dist');
    const seen = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      const source = readFileSync(join(dist, file), 'utf8');
      seen.set(file, source);
      for (const match of source.matchAll(/(?:from\s+|import\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) visit(posix.normalize(posix.join(posix.dirname(file), match[1])));
    };
    visit(entry);
    return seen;
  };
  const TOP_LEVEL_AWAIT = /^(?:export\s+)?(?:(?:const|let|var)\s+[^=]+=\s*)?await\b/m;

  it('the main entry and all it imports have no node: imports and no top-level await', () => {
    const graph = graphOf('index.js');
    expect(graph.size).toBeGreaterThan(10);
    for (const [file, source] of graph) {
      expect(source, file).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(/);
      expect(source, file).not.toMatch(TOP_LEVEL_AWAIT);
      // No bare specifier either: dist/index.js loads by URL in a page or a Worker with no import map.
      expect(source, file).not.toMatch(/(?:from\s+|import\s+|import\(\s*)['"](?![./])[^'"]+['"]/);
    }
    expect([...graph.keys()].filter((f) => f.startsWith('shared/') || f.startsWith('cli/'))).toEqual([]);
  });

  it('clusterip/etcd and all it imports have no top-level await', () => {
    const graph = graphOf('shared/index.js');
    expect(graph.has('shared/etcd-client.js')).toBe(true);
    for (const [file, source] of graph) expect(source, file).not.toMatch(TOP_LEVEL_AWAIT);
  });

  it.each(['clusterip', 'clusterip/etcd', 'clusterip/browser'])("require('%s') works from CommonJS", (entry) => {
    const run = runNode(['-e', `
      const lib = require(${JSON.stringify(entry)});
      const a = new (lib.ClusterIPAllocator ?? require('clusterip').ClusterIPAllocator)('10.96.0.0/24', { seed: 42 });
      console.log(JSON.stringify([a.allocateNext(), Object.keys(lib).length > 3]));
    `]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['10.96.0.193', true]);
  });

  it('dist/browser.js is one file: it imports nothing', async () => {
    const { build } = await import('esbuild');
    const result = await build({ entryPoints: [join(root, 'dist', 'browser.js')], bundle: true, write: false, metafile: true, format: 'esm', platform: 'neutral', external: ['*'], logLevel: 'silent' });
    expect(Object.keys(result.metafile.inputs)).toHaveLength(1);
    expect(Object.values(result.metafile.inputs)[0].imports).toEqual([]);
  });

  it('package.json exports types first and is side-effect free', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
  });
});
