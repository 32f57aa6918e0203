// `npm run check:install`: what a user gets from `npm install clusterip`, measured from the packed
// tarball in an empty project (as CI does): at most 7 packages and 5 MB (issue 14), the library
// imports, and `clusterip/etcd` without its optional peer dependencies loads, and its first
// connection fails with the one-line message that names them. Exit 1 when any of that does not hold.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { installPacked } from './packed-app.mjs';

const MAX_PACKAGES = 7;
const MAX_BYTES = 5 * 1024 * 1024;
const { app, packed } = installPacked('clusterip-install');

// Every installed package (a folder of node_modules with a package.json, scoped and nested too).
function packagesIn(modules, found = []) {
  if (!existsSync(modules)) return found;
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    const path = join(modules, name);
    if (name.startsWith('@')) {
      for (const scoped of readdirSync(path)) found.push(...packagesIn(join(path, scoped, 'node_modules')), `${name}/${scoped}`);
    } else if (existsSync(join(path, 'package.json'))) {
      found.push(name, ...packagesIn(join(path, 'node_modules')));
    }
  }
  return found;
}

function bytesIn(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesIn(join(path, name)), 0);
}

const modules = join(app, 'node_modules');
const packages = packagesIn(modules);
const bytes = bytesIn(modules) - (existsSync(join(modules, '.package-lock.json')) ? statSync(join(modules, '.package-lock.json')).size : 0);
const failures = [];
console.log(`npm install clusterip (packed ${packed.filename}, ${(packed.size / 1024).toFixed(1)} kB): ${packages.length} packages, ${(bytes / 1024 / 1024).toFixed(2)} MB`);
console.log(`  ${packages.sort().join(', ')}`);
if (packages.length > MAX_PACKAGES) failures.push(`${packages.length} packages, more than ${MAX_PACKAGES}`);
if (bytes > MAX_BYTES) failures.push(`${(bytes / 1024 / 1024).toFixed(2)} MB, more than ${MAX_BYTES / 1024 / 1024} MB`);
if (packed.files.some((f) => f.path.endsWith('.map'))) failures.push('the package ships .map files without their sources');

const run = (code) => spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: app, encoding: 'utf8' });
const library = run("const { ClusterIPAllocator } = await import('clusterip'); const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 }); console.log(a.allocateNext());");
if (library.status !== 0) failures.push(`import('clusterip') failed: ${library.stderr.trim().split('\n')[0]}`);
else console.log(`  import('clusterip'): allocateNext() = ${library.stdout.trim()}`);
const etcd = run("const { SharedServiceIPAM } = await import('clusterip/etcd'); try { await SharedServiceIPAM.open({ endpoints: ['http://127.0.0.1:1'], serviceClusterIPRange: '10.96.0.0/24' }); console.log('opened'); } catch (error) { console.log(`${error.code}: ${error.message}`); }");
const expected = 'ERR_STORE_CLIENT_MISSING: clusterip/etcd needs its optional peer dependencies: npm install etcd3@1.1.2 cockatiel@3.2.1';
if (etcd.stdout.trim() !== expected) failures.push(`SharedServiceIPAM.open() without etcd3 gave "${etcd.stdout.trim() || etcd.stderr.trim()}", not "${expected}"`);
else console.log(`  import('clusterip/etcd') loads; SharedServiceIPAM.open() without etcd3: ${etcd.stdout.trim()}`);

if (failures.length > 0) {
  for (const failure of failures) console.error(`check-install: ${failure}`);
  process.exit(1);
}
