// The published types in the projects people have, each compiled by tsc with skipLibCheck off:
// - a browser project: lib ES2022 + DOM, no @types/node, bundler resolution;
// - a Node project (an ES module package): NodeNext resolution with @types/node, the etcd entry included;
// - an ESNext project that disposes allocators with `using`.
// The repo's TypeScript compiles them here; CLUSTERIP_EXTRA_TSC (comma-separated paths to tsc)
// adds others, and CI passes the minimum the README states (TypeScript 5.2), fetched by .ci/run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linkedApp, packageRoot as root } from './setup/linked-app.js';

const require = createRequire(import.meta.url);
const compilers = [require.resolve('typescript/bin/tsc'), ...(process.env.CLUSTERIP_EXTRA_TSC ?? '').split(',').filter((p) => p !== '')];
if (process.env.CI === 'true' && compilers.length < 2) throw new Error('CI=true: set CLUSTERIP_EXTRA_TSC to the minimum TypeScript the README states (.ci/run does)');

const USES_THE_LIBRARY = `import { AllocatorError, ClusterIPAllocator, NodePortAllocator, ServiceIPAM, describeRange, type RangeInfo } from 'clusterip';
import * as browser from 'clusterip/browser';
const info: RangeInfo = describeRange('10.96.0.0/24');
const size: bigint = info.size;
const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
const ip: string = a.allocateNext();
const held: boolean = a.has(ip);
a.dispose();
const ports = new browser.NodePortAllocator('30000-32767');
const port: number = ports.allocateNext();
ports.dispose();
const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16' });
ipam.dispose();
try { new ClusterIPAllocator('bad'); } catch (error) { if (error instanceof AllocatorError) { const code: string = error.code; void code; } }
export { size, held, port };
`;

const PROJECTS: Record<string, { compilerOptions: object; source: string }> = {
  'a browser project (lib ES2022 + DOM, no @types/node)': {
    compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', types: [] },
    source: USES_THE_LIBRARY,
  },
  'a Node project (NodeNext, @types/node, clusterip/etcd)': {
    compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
    source: `${USES_THE_LIBRARY}import { SharedServiceIPAM } from 'clusterip/etcd';
export async function open(): Promise<void> { const shared = await SharedServiceIPAM.open({ endpoints: ['http://127.0.0.1:2379'] }); await shared.close(); }
`,
  },
  'an ESNext project disposing with `using`': {
    compilerOptions: { target: 'ES2022', lib: ['ESNext', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', types: [] },
    source: `import { ClusterIPAllocator } from 'clusterip';
export function first(): string { using a = new ClusterIPAllocator('10.96.0.0/24'); return a.allocateNext(); }
`,
  },
};

const work = mkdtempSync(join(tmpdir(), 'clusterip-types-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function project(name: string, compilerOptions: object, source: string): string {
  const dir = linkedApp(join(work, name.replace(/\W+/g, '-')));
  writeFileSync(join(dir, 'main.ts'), source);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { ...compilerOptions, strict: true, skipLibCheck: false, noEmit: true },
    files: ['main.ts'],
  }));
  return dir;
}

describe.each(compilers)('the published types, compiled by %s', (tsc) => {
  const version = spawnSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' }).stdout.trim();

  it.each(Object.keys(PROJECTS))(`${version}: %s compiles with skipLibCheck off`, (name) => {
    const { compilerOptions, source } = PROJECTS[name];
    const dir = project(`${version}-${name}`, compilerOptions, source);
    const run = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', cwd: dir });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
