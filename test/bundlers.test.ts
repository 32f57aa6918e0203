// The package through the bundlers an application uses, each with no plugin or configuration for
// clusterip: Rollup with only node-resolve (no commonjs plugin), esbuild and webpack, all for the
// browser. Each bundle must hold everything (no import or require left, nothing from node:) and,
// run, hand out the same 10,000 IPv4 and IPv6 addresses for a seed as the library does in Node.
// (Vite: chromium.test.ts builds and runs a Vite app in the browser.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { linkedApp } from './setup/linked-app.js';

const app = linkedApp(mkdtempSync(join(tmpdir(), 'clusterip-bundlers-')));
const entry = join(app, 'entry.js');
writeFileSync(entry, `import { ClusterIPAllocator, describeRange } from 'clusterip';
const run = (cidr) => { const a = new ClusterIPAllocator(cidr, { seed: 7 }); const ips = a.allocateMany(10000); a.dispose(); return ips; };
export const v4 = run('10.96.0.0/16');
export const v6 = run('fd00:10:96::/64');
export const band = describeRange('10.96.0.0/16').staticSize;
`);
afterAll(() => rmSync(app, { recursive: true, force: true }));

function inNode(cidr: string): string[] {
  const a = new ClusterIPAllocator(cidr, { seed: 7 });
  const ips = a.allocateMany(10000);
  a.dispose();
  return ips;
}

/** Writes the bundle, checks it imports nothing, runs it, and compares its addresses with Node's. */
async function expectSameAsNode(name: string, code: string): Promise<void> {
  expect(code).not.toMatch(/\bimport\s*[({'"]|\bimport\s+[\w{*][^;]*\bfrom\s*['"]|\brequire\s*\(|['"]node:/);
  const file = join(app, `${name}.mjs`);
  writeFileSync(file, code);
  const bundle = await import(pathToFileURL(file).href);
  expect(bundle.v4).toEqual(inNode('10.96.0.0/16'));
  expect(bundle.v6).toEqual(inNode('fd00:10:96::/64'));
  expect(new Set(bundle.v6).size).toBe(10000);
  expect(bundle.band).toBe(256n);
}

describe('bundlers, with no configuration for clusterip', () => {
  it('Rollup with only @rollup/plugin-node-resolve (no commonjs plugin)', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const warnings: string[] = [];
    const bundle = await rollup({ input: entry, plugins: [nodeResolve({ browser: true })], onwarn: (w) => { warnings.push(w.message); } });
    const { output } = await bundle.generate({ format: 'es' });
    await bundle.close();
    expect(warnings).toEqual([]);
    expect(output[0].imports).toEqual([]);
    await expectSameAsNode('rollup', output[0].code);
  });

  it('esbuild for the browser', async () => {
    const { build } = await import('esbuild');
    const result = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
    expect(result.warnings).toEqual([]);
    await expectSameAsNode('esbuild', result.outputFiles[0].text);
  });

  it('webpack for the web, as an ES module', async () => {
    const { default: webpack } = await import('webpack');
    const out = join(app, 'webpack-out');
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
      webpack({
        mode: 'production', target: 'web', entry, context: app,
        experiments: { outputModule: true },
        output: { path: out, filename: 'bundle.mjs', library: { type: 'module' } },
      }, (error, result) => (error ? reject(error) : resolve(result!)));
    });
    expect(stats.toJson({ all: false, errors: true }).errors).toEqual([]);
    expect(stats.toJson({ all: false, warnings: true }).warnings?.filter((w) => !/size limit|performance/i.test(w.message))).toEqual([]);
    await expectSameAsNode('webpack', readFileSync(join(out, 'bundle.mjs'), 'utf8'));
  });
});
