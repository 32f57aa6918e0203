// `clusterip check` end to end on a fixture dump (test/fixtures/cluster-dump.yaml) holding one
// problem of each kind, on clean input, and on manifests that ask for addresses in the dynamic band.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const cli = (args: string[], input?: string) => {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};
const dump = join(root, 'test', 'fixtures', 'cluster-dump.yaml');

describe('clusterip check', () => {
  it('reports each finding of the dump, naming both holders of a duplicate; exit 1', () => {
    const run = cli(['check', '-f', dump, '-o', 'json']);
    expect(run.code).toBe(1);
    const { findings, summary } = JSON.parse(run.stdout);
    expect(summary).toEqual({ services: 7, serviceCIDRs: ['10.96.0.0/16'], nodePortRange: '30000-32767', ipAddresses: 6, findings: 6, errors: 6, warnings: 0 });
    expect(findings).toEqual([
      { kind: 'ip-out-of-range', severity: 'error', object: 'service team-a/elsewhere', detail: '10.97.0.5 is outside every service CIDR (10.96.0.0/16)' },
      { kind: 'duplicate-ip', severity: 'error', object: 'service kube-system/kube-dns', detail: '10.96.0.10 is held by kube-system/kube-dns and team-a/copy-of-dns' },
      { kind: 'missing-ipaddress', severity: 'error', object: 'service team-b/no-address', detail: '10.96.40.7 has no IPAddress object' },
      { kind: 'orphan-ipaddress', severity: 'error', object: 'ipaddress 10.96.77.77', detail: 'points to service gone/deleted, which does not hold 10.96.77.77' },
      { kind: 'node-port-out-of-range', severity: 'error', object: 'service team-c/web-copy', detail: 'node port 40000 is outside 30000-32767' },
      { kind: 'duplicate-node-port', severity: 'error', object: 'service team-b/web', detail: 'node port 30500 is held by team-b/web and team-c/web-copy' },
    ]);
    // The default output is a table of the same findings.
    const table = cli(['check', '-f', dump]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('| duplicate-ip | error | service kube-system/kube-dns | 10.96.0.10 is held by kube-system/kube-dns and team-a/copy-of-dns |');
  });

  it('manifests asking for an IP or node port in the dynamic band are a collision risk (a warning: exit 0); the static band is not', () => {
    const manifests = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: kube-system}\nspec: {clusterIP: 10.96.0.10, selector: {a: b}, ports: [{port: 53}]}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: risky}\nspec: {clusterIP: 10.96.3.3, type: NodePort, selector: {a: b}, ports: [{port: 80, nodePort: 31000}, {port: 81, nodePort: 30010}]}\n',
    ].join('---\n');
    const run = cli(['check', '--range', '10.96.0.0/16', '-f', '-', '-o', 'json'], manifests);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).findings.map((f: { kind: string; severity: string; object: string }) => `${f.kind} ${f.severity} ${f.object}`)).toEqual([
      'static-ip-in-dynamic-band warning service default/risky',
      'static-node-port-in-dynamic-band warning service default/risky',
    ]);
  });

  it('clean input exits 0; no range at all is a usage error', () => {
    const clean = 'apiVersion: v1\nkind: Service\nmetadata: {name: a, uid: u}\nspec: {clusterIP: 10.96.5.5, selector: {a: b}, ports: [{port: 80}]}\n';
    const run = cli(['check', '--range', '10.96.0.0/16', '-f', '-'], clean);
    expect(run).toEqual({ code: 0, stdout: 'checked 1 Services against 10.96.0.0/16 and node ports 30000-32767: no findings\n', stderr: '' });
    const usage = cli(['check', '-f', '-'], clean);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('error: check needs --range, or ServiceCIDR objects in the input\n');
  });

  // Issue 27, item 6: the natural pipeline passes.
  it('allocate | check -f - passes: what allocate prints is warnings at most', () => {
    const services = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: NodePort, selector: {a: b}, ports: [{port: 80}]}\n';
    const allocated = cli(['allocate', '--range', '10.96.0.0/16', '-f', '-', '--seed', '3'], services);
    expect(allocated.code).toBe(0);
    const run = cli(['check', '--range', '10.96.0.0/16', '-f', '-'], allocated.stdout);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: 0 errors, 2 warnings\n/);
  });

  // Issue 27, item 5: one rule for an object given twice, in check and allocate alike.
  it('the same file twice is one set of objects, as allocate applies it: no duplicate', () => {
    const dns = 'apiVersion: v1\nkind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec: {clusterIP: 10.96.0.10, selector: {a: b}, ports: [{port: 53}]}\n';
    const check = cli(['check', '--range', '10.96.0.0/16', '-f', '-', '-f', dump.replace('cluster-dump.yaml', 'kube-dns.yaml')], dns);
    expect(check.stdout).not.toContain('duplicate-ip');
    expect(check.code).toBe(0);
    const allocate = cli(['allocate', '--range', '10.96.0.0/16', '-f', '-', '-f', dump.replace('cluster-dump.yaml', 'kube-dns.yaml'), '-o', 'name'], dns);
    expect(allocate).toMatchObject({ code: 0, stdout: 'service/kube-dns\nservice/kube-dns\n' });
    // Given twice with different IPs, allocate refuses the second (immutable), and check says so.
    const moved = dns.replace('10.96.0.10', '10.96.0.11');
    const changed = cli(['check', '--range', '10.96.0.0/16', '-f', '-', '-f', dump.replace('cluster-dump.yaml', 'kube-dns.yaml'), '-o', 'json'], moved);
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout).findings.map((f: { kind: string }) => f.kind)).toEqual(['cluster-ip-changed']);
    const refused = cli(['allocate', '--range', '10.96.0.0/16', '-f', '-', '-f', dump.replace('cluster-dump.yaml', 'kube-dns.yaml')], moved);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('may not change once set');
  });
});
