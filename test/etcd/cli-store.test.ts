// `clusterip allocate --store` and `clusterip check --store` against a real etcd: many Services
// in one run, concurrent runs, reruns, refusals, and the check that finds what nobody holds.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { etcdForFile } from './etcd-per-file.js';
import { encodeRangeAllocation } from '../../src/shared/etcd-layout.js';
import { NodePortAllocator } from '../../src/index.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

const etcd = etcdForFile();

const storeURL = (prefix: string) => `etcd://${etcd.server().endpoint.slice('http://'.length)}${prefix}`;
const manifest = (names: string[], extra = '') => names.map((n) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${n}\nspec:\n${extra}  selector:\n    app: ${n}\n  ports:\n    - port: 80\n`).join('---\n');
const run = (args: string[], input: string) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', (code) => resolve({ code, stdout, stderr }));
  child.stdin.end(input);
});
const ipsOf = (yamlText: string) => [...yamlText.matchAll(/clusterIP: (\S+)/g)].map((m) => m[1]);

/** Every key and value under a prefix, read page by page. */
async function storedUnder(prefix: string): Promise<Map<string, Buffer>> {
  const all = new Map<string, Buffer>();
  let from = `${prefix}/`;
  const end = `${prefix}0`; // '0' follows '/'
  for (;;) {
    const page = await etcd.client().getAll().inRange({ start: from, end }).limit(1000).exec();
    for (const kv of page.kvs) all.set(kv.key.toString(), kv.value);
    if (!page.more) return all;
    from = `${page.kvs[page.kvs.length - 1].key.toString()}\0`;
  }
}

describe.skipIf(!etcd.available)('clusterip allocate --store etcd://', () => {
  it('concurrent runs never hand out an IP twice; reruns keep IPs; another --range is refused', async () => {
    const store = storeURL('/cli/small');
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 50 }, (_, i) => `b${b}-${i}`));
    const runs = await Promise.all(batches.map((names) => run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store], manifest(names))));
    for (const r of runs) expect(r.stderr).toBe('');
    const ips = runs.flatMap((r) => ipsOf(r.stdout));
    expect(ips).toHaveLength(200);
    expect(new Set(ips).size).toBe(200);
    const again = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store], manifest(batches[2]));
    expect(ipsOf(again.stdout)).toEqual(ipsOf(runs[2].stdout));
    expect(again.stdout).not.toContain('resourceVersion');
    const wrong = await run(['allocate', '--range', '10.97.0.0/24', '-f', '-', '--store', store], manifest(['x']));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('belongs to another --range');
  });

  it('a refused Service is reported; the others are stored, and a rerun after the fix keeps their IPs', async () => {
    const store = storeURL('/cli/partial');
    const first = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store], manifest(['good-1', 'BAD', 'good-2']));
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain('The Service "BAD" is invalid');
    expect(first.stderr).toContain('the other 2 Services were stored');
    const fixed = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store], manifest(['good-1', 'good-2']));
    expect(fixed.code).toBe(0);
    const stored = await storedUnder('/cli/partial');
    const storedIP = (name: string) => JSON.parse(stored.get(`/cli/partial/services/specs/default/${name}`)!.toString()).spec.clusterIP;
    expect(ipsOf(fixed.stdout)).toEqual([storedIP('good-1'), storedIP('good-2')]);
  });

  it('the state written before this layout is refused in one line', async () => {
    await etcd.client().put('/cli/old/clusterip/state').value(JSON.stringify({ kind: 'ClusterIPState', version: 2, services: [], ranges: [] }));
    const r = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', storeURL('/cli/old')], manifest(['a']));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('one-value format');
  });

  it('clusterip migrate moves the one-value state into the layout; every Service keeps its IP and node port', async () => {
    // A state as --store wrote it before: the whole ServiceIPAM snapshot in one key.
    const { ServiceIPAM } = await import('../../src/index.js');
    const old = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 5 });
    const made = Array.from({ length: 30 }, (_, i) => old.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `m${i}` }, spec: { type: i % 2 ? 'NodePort' : 'ClusterIP', ports: [{ port: 80 }] } }));
    old.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.96.0.250' }, spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: 'g' } } });
    await etcd.client().put('/cli/migrate/clusterip/state').value(JSON.stringify(old.snapshot()));
    old.dispose();
    const refused = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', storeURL('/cli/migrate')], manifest(['a']));
    expect(refused.stderr).toContain('clusterip migrate');
    const moved = await run(['migrate', '--store', storeURL('/cli/migrate')], '');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('moved 30 Services, 0 ServiceCIDRs and 1 IPAddresses from /cli/migrate/clusterip/state');
    expect(moved.stdout).toContain('deleted /cli/migrate/clusterip/state');
    const stored = await storedUnder('/cli/migrate');
    expect(stored.has('/cli/migrate/clusterip/state')).toBe(false);
    for (const s of made) {
      const value = JSON.parse(stored.get(`/cli/migrate/services/specs/default/${s.metadata!.name}`)!.toString());
      expect(value.spec.clusterIPs).toEqual(s.spec!.clusterIPs);
      expect(value.spec.ports).toEqual(s.spec!.ports);
    }
    expect(stored.has('/cli/migrate/ipaddresses/10.96.0.250')).toBe(true);
    const check = await run(['check', '--store', storeURL('/cli/migrate')], '');
    expect(check.stdout).toContain('no findings');
    // Nothing left to move.
    expect((await run(['migrate', '--store', storeURL('/cli/migrate')], '')).stderr).toContain('no one-value clusterip state');
  });

  it('a bad --store URL is a usage error', () => {
    const r = spawnSync(process.execPath, [cli, 'allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', 'redis://x'], { input: manifest(['a']), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--store must look like etcd://');
  });

  it('20,000 Services in one run: all distinct, etcd holds exactly them, no value over 256 KiB', async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    const r = await run(['allocate', '--range', '10.96.0.0/16', '-f', '-', '--store', storeURL('/cli/big'), '-o', 'json'], manifest(names, '  type: ClusterIP\n'));
    expect(r.stderr).toBe('');
    const ips = ipsOfJSON(r.stdout);
    expect(ips).toHaveLength(20_000);
    expect(new Set(ips).size).toBe(20_000);
    const stored = await storedUnder('/cli/big');
    const services = [...stored.keys()].filter((k) => k.startsWith('/cli/big/services/specs/'));
    const addresses = [...stored.keys()].filter((k) => k.startsWith('/cli/big/ipaddresses/'));
    expect(services).toHaveLength(20_001); // and default/kubernetes
    expect(addresses.sort()).toEqual([...ips, '10.96.0.1'].map((ip) => `/cli/big/ipaddresses/${ip}`).sort());
    expect(Math.max(...[...stored.values()].map((v) => v.length))).toBeLessThanOrEqual(256 * 1024);
  });

  it('4 concurrent runs x 1,500 Services (NodePort): 6,000 distinct IPs and node ports, etcd holds exactly them', async () => {
    const store = storeURL('/cli/four');
    const runs = await Promise.all([0, 1, 2, 3].map((b) => run(['allocate', '--range', '10.96.0.0/16', '--service-node-port-range', '30000-44999', '-f', '-', '--store', store, '-o', 'json'],
      manifest(Array.from({ length: 1500 }, (_, i) => `r${b}-${i}`), '  type: NodePort\n'))));
    for (const r of runs) expect(r.stderr).toBe('');
    const ips = runs.flatMap((r) => ipsOfJSON(r.stdout));
    const ports = runs.flatMap((r) => [...r.stdout.matchAll(/"nodePort": (\d+)/g)].map((m) => Number(m[1])));
    expect(new Set(ips).size).toBe(6_000);
    expect(new Set(ports).size).toBe(6_000);
    const stored = await storedUnder('/cli/four');
    expect([...stored.keys()].filter((k) => k.startsWith('/cli/four/services/specs/'))).toHaveLength(6_001);
    expect([...stored.keys()].filter((k) => k.startsWith('/cli/four/ipaddresses/'))).toHaveLength(6_001);
    const bitmap = JSON.parse(stored.get('/cli/four/ranges/servicenodeports')!.toString());
    const held = NodePortAllocator.fromSnapshot({ range: bitmap.range, data: new Uint8Array(Buffer.from(bitmap.data, 'base64')) });
    expect([...held].sort((a, b) => a - b)).toEqual([...ports].sort((a, b) => a - b));
    held.dispose();
    const check = await run(['check', '--store', store], '');
    expect(check.stdout).toContain('no findings');
    expect(check.code).toBe(0);
  });
});

describe.skipIf(!etcd.available)('clusterip check --store etcd://', () => {
  it('finds what nobody holds and what does not read; --apply frees the leaks', async () => {
    const store = storeURL('/cli/check');
    const made = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store, '-o', 'json'], manifest(['a', 'b'], '  type: NodePort\n'));
    expect(made.code).toBe(0);
    expect((await run(['check', '--store', store], '')).code).toBe(0);
    // Leaks written behind the API's back: an IPAddress of a Service that does not exist (created
    // long ago, a fixed date: past the repair controller's grace whenever the test runs) and a
    // node port bit nobody holds.
    await etcd.client().put('/cli/check/ipaddresses/10.96.0.200').value(JSON.stringify({
      apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress',
      metadata: { name: '10.96.0.200', labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' }, creationTimestamp: '2020-01-01T00:00:00Z' },
      spec: { parentRef: { resource: 'services', namespace: 'default', name: 'gone' } },
    }));
    const ports = JSON.parse((await etcd.client().get('/cli/check/ranges/servicenodeports').string())!);
    const bitmap = NodePortAllocator.fromSnapshot({ range: ports.range, data: new Uint8Array(Buffer.from(ports.data, 'base64')) });
    bitmap.allocate(32000);
    await etcd.client().put('/cli/check/ranges/servicenodeports').value(encodeRangeAllocation(bitmap.snapshot()));
    bitmap.dispose();
    await etcd.client().put('/cli/check/services/specs/default/junk').value('not json');

    const found = await run(['check', '--store', store, '-o', 'json'], '');
    expect(found.code).toBe(1);
    const kinds = JSON.parse(found.stdout).findings.map((f: { kind: string; object: string }) => `${f.kind} ${f.object}`).sort();
    expect(kinds).toEqual(['leaked-node-port node port 32000', 'orphan-ipaddress ipaddress 10.96.0.200', 'unreadable-object /cli/check/services/specs/default/junk']);

    const applied = await run(['check', '--store', store, '--apply'], '');
    expect(applied.stdout).toContain('delete IPAddress 10.96.0.200');
    expect(applied.stdout).toContain('released leaked node port 32000');
    await etcd.client().delete().key('/cli/check/services/specs/default/junk');
    const after = await run(['check', '--store', store], '');
    expect(after.stdout).toContain('no findings');
    expect(after.code).toBe(0);
  });
});

function ipsOfJSON(text: string): string[] {
  return [...text.matchAll(/"clusterIP": "([^"]+)"/g)].map((m) => m[1]);
}
