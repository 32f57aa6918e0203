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

  // What a browser loads is the main entry and everything it imports: that graph must hold no
  // node: import and no top-level await. clusterip/etcd (dist/shared, Node only) loads its optional
  // etcd client with a top-level await, and the CLI (dist/cli) is Node's; neither may be reached.
  it('the main entry and all it imports have no node: imports and no top-level await', () => {
    const dist = join(root, 'dist');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(join(dist, file), 'utf8');
      expect(source, file).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(/);
      expect(source, file).not.toMatch(/^(?:export\s+)?(?:(?:const|let|var)\s+[^=]+=\s*)?await\b/m);
      for (const match of source.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) visit(posix.normalize(posix.join(posix.dirname(file), match[1])));
    };
    visit('index.js');
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].filter((f) => f.startsWith('shared/') || f.startsWith('cli/'))).toEqual([]);
    // The etcd entry's top-level await is there on purpose (and this check would see it).
    expect(readFileSync(join(dist, 'shared', 'etcd-client.js'), 'utf8')).toMatch(/^export const \{ etcd3, cockatiel \} = await /m);
  });

  it('package.json exports types first and is side-effect free', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
  });
});
