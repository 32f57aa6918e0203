// The `clusterip` command end to end: spawned as a process, checking stdout, stderr and exit code.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ServiceIPAM } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const DUAL = '10.96.0.0/16,fd00:10:96::/112';

function cli(args: string[], input?: string) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function docs(yamlText: string): any[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS());
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'clusterip-cli-'));
}

function serviceManifest(names: string[]): string {
  return names.map((name) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - port: 80\n`).join('---\n');
}

describe('clusterip describe', () => {
  it('prints the breakdown with the formula worked out', () => {
    const run = cli(['describe', '10.96.0.0/24']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('range size     254 usable addresses (10.96.0.1 – 10.96.0.254)');
    expect(run.stdout).toContain('band offset    min(max(16, 256/16), 256) = 16');
    expect(run.stdout).toContain('static band    10.96.0.1 – 10.96.0.16 (16 addresses, 6.3%)');
    expect(run.stdout).toContain('range end      10.96.0.254');
    expect(run.stdout).toMatch(/\[▒+█+\]/);
  });

  it('--json for two families', () => {
    const run = cli(['describe', '10.96.0.0/20,fd00:10:96::/64', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.map((r: any) => [r.cidr, r.size, r.bandOffset, r.staticEnd])).toEqual([
      ['10.96.0.0/20', '4094', 256, '10.96.1.0'],
      ['fd00:10:96::/64', '18446744073709551615', 256, 'fd00:10:96::100'],
    ]);
    expect(out[1].bandFormula).toBe('min(max(16, 2^64/16), 256) = 256');
  });

  it('a bad CIDR exits 1 with one line and no stack trace', () => {
    const run = cli(['describe', '10.96.0.5/24']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: invalid CIDR "10.96.0.5/24": host bits are set; the network is 10.96.0.0/24\n');
  });
});

describe('clusterip allocate', () => {
  it('fills the example manifests like the API server and passes other kinds through', () => {
    const run = cli(['allocate', '--range', DUAL, '-f', 'examples/services.yaml', '--seed', '3']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = docs(run.stdout);
    const byName = Object.fromEntries(out.map((d) => [`${d.kind}/${d.metadata.name}`, d]));
    expect(byName['Service/kube-dns'].spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(byName['Service/kube-dns-v6'].spec.clusterIPs).toEqual(['fd00:10:96::a']);
    expect(byName['Service/web'].spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(byName['Service/web'].spec.clusterIPs).toHaveLength(2);
    expect(byName['Service/api'].spec.ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(byName['Service/db'].spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    expect(byName['Service/payments'].spec.clusterIP).toBeUndefined();
    const original = docs(readFileSync(join(root, 'examples/services.yaml'), 'utf8'));
    expect(byName['Deployment/web']).toEqual(original.find((d) => d.kind === 'Deployment'));
    const dynamic = byName['Service/web'].spec.clusterIPs[0].split('.').map(Number);
    expect(dynamic[2] * 256 + dynamic[3]).toBeGreaterThan(256); // dynamic IPs come from above the static band
  });

  it('reads stdin and writes JSON', () => {
    const run = cli(['allocate', '--range', '10.96.0.0/24', '-f', '-', '-o', 'json', '--seed', '1'], serviceManifest(['a']));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).spec.clusterIP).toMatch(/^10\.96\.0\.\d+$/);
  });

  it('invalid Services print the field errors, exit 1 and print nothing on stdout', () => {
    const run = cli(['allocate', '--range', '10.96.0.0/16', '-f', 'examples/services.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error: The Service "api" is invalid:\n* spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['allocate', '-f', '-'], '--range is required unless the input holds the default ServiceCIDR "kubernetes"'],
    [['allocate', '--range', '10.96.0.0/16'], '-f/--filename is required'],
    [['allocate', '--range', '10.96.0.0/16', '-f', '-', '--bogus'], "Unknown option '--bogus'"],
    [['allocate', '--range', '10.96.0.0/16', '-f', '-', '-o', 'xml'], '--output must be yaml, json, name or jsonpath=<template>'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['simulate', '--range', '10.96.0.0/24', '--services', 'many', '--static', '1'], '--services must be an integer'],
  ])('usage error %j exits 2', (args, message) => {
    const run = cli(args as string[], serviceManifest(['a']));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it.each(['describe', 'allocate', 'simulate'])('%s --help', (command) => {
    const run = cli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: clusterip ${command}`);
  });

  it('--state keeps IPs across runs and never hands one out twice', () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const first = join(dir, 'first.yaml');
    const second = join(dir, 'second.yaml');
    writeFileSync(first, serviceManifest(Array.from({ length: 200 }, (_, i) => `a${i}`)));
    writeFileSync(second, serviceManifest(Array.from({ length: 200 }, (_, i) => `b${i}`)));
    const ipsOf = (text: string) => docs(text).map((d) => d.spec.clusterIP);
    const run1 = cli(['allocate', '--range', '10.96.0.0/23', '-f', first, '--state', state, '--seed', '1']);
    const run2 = cli(['allocate', '--range', '10.96.0.0/23', '-f', second, '--state', state, '--seed', '1']);
    const run3 = cli(['allocate', '--range', '10.96.0.0/23', '-f', first, '--state', state, '--seed', '9']);
    for (const run of [run1, run2, run3]) expect(run.code).toBe(0);
    expect(new Set([...ipsOf(run1.stdout), ...ipsOf(run2.stdout)]).size).toBe(400);
    expect(ipsOf(run3.stdout)).toEqual(ipsOf(run1.stdout));
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/23' });
    ipam.restore(JSON.parse(readFileSync(state, 'utf8')));
    // 400 Services plus default/kubernetes, which the API server creates on network+1.
    expect(ipam.list()).toHaveLength(401);
    expect(ipam.get('default', 'kubernetes')?.spec?.clusterIP).toBe('10.96.0.1');
  });

  it('a failed run does not touch the state file', () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, serviceManifest(['a']));
    expect(cli(['allocate', '--range', '10.96.0.0/24', '-f', good, '--state', state]).code).toBe(0);
    const before = readFileSync(state, 'utf8');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, serviceManifest(['b']) + '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\nspec:\n  clusterIP: 10.99.0.1\n');
    expect(cli(['allocate', '--range', '10.96.0.0/24', '-f', bad, '--state', state]).code).toBe(1);
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it.each([
    ['garbage', 'this is not json'],
    ['another range', JSON.stringify(new ServiceIPAM({ serviceClusterIPRange: '10.1.0.0/24' }).snapshot())],
    ['a truncated file', '{"kind":"ClusterIPState","version":1,"serviceClusterIPRange":"10.96.0.0/24","ranges":[{"range":"10.96.0.0/24","da'],
  ])('a corrupt state file (%s) is refused with a clear error and left as is', (_label, content) => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeFileSync(state, content);
    const input = join(dir, 'in.yaml');
    writeFileSync(input, serviceManifest(['a']));
    const run = cli(['allocate', '--range', '10.96.0.0/24', '-f', input, '--state', state]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: state file .* is corrupt or belongs to another --range .*; it was left unchanged\n$/);
    expect(readFileSync(state, 'utf8')).toBe(content);
  });

  it('a process killed mid-run leaves the old state or the new one, never a torn file', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const batch = (tag: string) => {
      const file = join(dir, `${tag}.yaml`);
      writeFileSync(file, serviceManifest(Array.from({ length: 3000 }, (_, i) => `${tag}-${i}`)));
      return file;
    };
    expect(cli(['allocate', '--range', '10.96.0.0/16', '-f', batch('base'), '--state', state]).code).toBe(0);
    // A run takes about a second here; the kills straddle the state write (either outcome passes:
    // the law is that the file is never torn, whatever the moment of the kill).
    const delays = [300, 700, 950, 1200, 2000];
    let sawOld = 0;
    let sawNew = 0;
    for (const [i, delay] of delays.entries()) {
      const before = readFileSync(state, 'utf8');
      const file = batch(`run${i}`);
      const child = spawn(process.execPath, [bin, 'allocate', '--range', '10.96.0.0/16', '-f', file, '--state', state], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve)); // listen first: it may finish before the kill
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await exited;
      const after = readFileSync(state, 'utf8');
      const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16' });
      ipam.restore(JSON.parse(after)); // parses and is consistent: never torn
      if (after === before) sawOld++;
      else {
        sawNew++;
        expect(ipam.get('default', `run${i}-2999`)).toBeDefined();
      }
    }
    expect(sawOld + sawNew).toBe(delays.length);
    console.log(`killed runs: ${sawOld} left the old state, ${sawNew} the new one`);
    // A run that is not killed always lands its new state, next to whatever the killed ones left.
    expect(cli(['allocate', '--range', '10.96.0.0/16', '-f', batch('final'), '--state', state]).code).toBe(0);
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16' });
    ipam.restore(JSON.parse(readFileSync(state, 'utf8')));
    expect(ipam.get('default', 'final-2999')).toBeDefined();
    expect(ipam.get('default', 'base-0')).toBeDefined();
  });
});

describe('clusterip allocate with ServiceCIDR and IPAddress objects (1.33+)', () => {
  const objects = [
    'apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: kubernetes\nspec:\n  cidrs: [10.96.0.0/28]\n',
    'apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: extra\nspec:\n  cidrs: [10.97.0.0/28]\n',
    'apiVersion: networking.k8s.io/v1\nkind: IPAddress\nmetadata:\n  name: 10.96.0.5\nspec:\n  parentRef: {group: gateway.networking.k8s.io, resource: gateways, namespace: gw, name: g}\n',
  ].join('---\n');
  const input = (services: string) => `${objects}---\n${services}`;

  it('takes the range from the default ServiceCIDR, allocates from every ServiceCIDR and honours reserved IPs', () => {
    const names = Array.from({ length: 26 }, (_, i) => `s${i}`);
    const run = cli(['allocate', '-f', '-', '--seed', '3', '-o', 'json'], input(serviceManifest(names)));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const services = JSON.parse(run.stdout).items.filter((d: any) => d.kind === 'Service');
    const ips: string[] = services.map((d: any) => d.spec.clusterIP);
    // 14 + 14 addresses, less default/kubernetes (10.96.0.1) and the reserved 10.96.0.5.
    expect(new Set(ips).size).toBe(26);
    expect(ips).not.toContain('10.96.0.5');
    expect(ips).not.toContain('10.96.0.1');
    expect(ips.some((ip) => ip.startsWith('10.97.0.'))).toBe(true);
    const full = cli(['allocate', '-f', '-'], input(serviceManifest([...names, 'one-more'])));
    expect(full.code).toBe(1);
    expect(full.stderr).toContain('error: Service "one-more": Internal error occurred: failed to allocate a serviceIP: range is full');
  });

  it('--print-ipaddresses adds the IPAddress objects the Services got, in the same format', () => {
    const run = cli(['allocate', '-f', '-', '--seed', '1', '--print-ipaddresses'], input(serviceManifest(['web'])));
    expect(run.code).toBe(0);
    const all = docs(run.stdout);
    const added = all.slice(4);
    const web = all.find((d) => d.kind === 'Service' && d.metadata.name === 'web');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress',
      metadata: { name: web.spec.clusterIP, labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } },
      spec: { parentRef: { resource: 'services', namespace: 'default', name: 'web' } },
    });
  });

  it('--range that disagrees with the default ServiceCIDR exits 1 and says so', () => {
    const run = cli(['allocate', '--range', '10.96.0.0/24', '-f', '-'], input(serviceManifest(['web'])));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: --range 10.96.0.0/24 disagrees with the input\'s ServiceCIDR "kubernetes" (10.96.0.0/28); pass the range the cluster was started with, or leave --range out\n');
    expect(cli(['allocate', '--range', '10.96.0.0/28', '-f', '-'], input(serviceManifest(['web']))).code).toBe(0);
  });

  it('objects a version does not serve are refused with the version named', () => {
    const run = cli(['allocate', '-f', '-', '--kubernetes-version', '1.32'], input(serviceManifest(['web'])));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the input holds ServiceCIDR objects, which Kubernetes 1.32 does not serve; use --kubernetes-version 1.33 or later');
    const bad = cli(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--kubernetes-version', '1.99'], serviceManifest(['web']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unsupported Kubernetes version "1.99"');
  });

  it('sloppy clusterIP text: a warning up to 1.35, a field error in 1.36', () => {
    const manifest = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: old\nspec:\n  clusterIP: 010.096.000.010\n  ports: [{port: 80}]\n';
    const lenient = cli(['allocate', '--range', '10.96.0.0/16', '-f', '-', '--kubernetes-version', '1.35'], manifest);
    expect(lenient.code).toBe(0);
    const [apiWarning, hazard] = lenient.stderr.trim().split('\n');
    expect(apiWarning).toBe('Warning: spec.clusterIPs[0]: non-standard IP address "010.096.000.010" will be considered invalid in a future Kubernetes release: use "10.96.0.10"');
    // The stored text is not the IPAddress name: the IPAddress repair would delete it (hazards.ts).
    expect(hazard).toMatch(/^Warning: clusterip hazard ip-text-not-canonical: clusterIP "010.096.000.010" of service default\/old/);
    const strict = cli(['allocate', '--range', '10.96.0.0/16', '-f', '-'], manifest);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('spec.clusterIPs[0]: Invalid value: "010.096.000.010": must not have leading 0s');
  });

  it('describe -f describes every ServiceCIDR of the input', () => {
    const run = cli(['describe', '-f', '-'], objects);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ServiceCIDR kubernetes\n\n10.96.0.0/28 (IPv4)');
    expect(run.stdout).toContain('ServiceCIDR extra\n\n10.97.0.0/28 (IPv4)');
    expect(run.stdout).toContain('range size     14 usable addresses (10.97.0.1 – 10.97.0.14)');
  });
});

describe('clusterip simulate', () => {
  it('shows no conflicts with the static band and many without it', () => {
    const run = cli(['simulate', '--range', '10.96.0.0/24', '--services', '200', '--static', '10', '--trials', '50', '--seed', '7', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.withBand.conflicts).toBe(0);
    expect(out.withoutBand.conflictRate).toBeGreaterThan(0.5);
    expect(out.staticTargets).toBe('10.96.0.1 – 10.96.0.10');
    const again = cli(['simulate', '--range', '10.96.0.0/24', '--services', '200', '--static', '10', '--trials', '50', '--seed', '7', '--json']);
    expect(again.stdout).toBe(run.stdout);
  });

  it('prints a table and a chart', () => {
    const run = cli(['simulate', '--range', '10.96.0.0/24', '--services', '230', '--static', '16', '--trials', '20']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('| with static band (Kubernetes today) |');
    expect(run.stdout).toContain('conflict rate per static request');
  });

  it('refuses more Services than the range holds', () => {
    const run = cli(['simulate', '--range', '10.96.0.0/28', '--services', '20', '--static', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('exceed the 14 usable addresses');
  });
});
