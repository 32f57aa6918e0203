// `clusterip allocate` inputs as kubectl users have them (issue 12): several -f, directories, -R,
// stdin, JSON, typed API lists whose items carry no kind, and objects it cannot place. The three
// cases that used to exit 0 with an address already taken must now reserve it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli', 'main.js');

function cli(args: string[], input?: string) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const service = (name: string, clusterIP?: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n${clusterIP ? `  clusterIP: ${clusterIP}\n` : ''}  ports:\n    - port: 80\n`;

/** namespace/name → clusterIP of every Service in the output, lists opened. */
function clusterIPs(yamlText: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (doc: any) => {
    if (doc?.kind?.endsWith('List')) doc.items.forEach(visit);
    else if (doc?.kind === 'Service') out.set(doc.metadata.name, doc.spec.clusterIP);
  };
  for (const d of parseAllDocuments(yamlText)) visit(d.toJS());
  return out;
}

// A /29 has 6 addresses, 10.96.0.1 … .6, and no static band; default/kubernetes holds .1. With
// .2–.5 held by the input, only .6 is free: any other answer is an address handed out twice.
const RANGE = '10.96.0.0/29';
const taken = ['10.96.0.2', '10.96.0.3', '10.96.0.4', '10.96.0.5'];
const existing = taken.map((ip, i) => service(`old-${i}`, ip)).join('---\n');

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'clusterip-inputs-'));
}

describe('inputs that used to be missed now reserve what they hold', () => {
  it('-f cluster.yaml -f new-app.yaml reads both, in order', () => {
    const d = dir();
    writeFileSync(join(d, 'cluster.yaml'), existing);
    writeFileSync(join(d, 'new-app.yaml'), service('new'));
    const run = cli(['allocate', '--range', RANGE, '-f', join(d, 'cluster.yaml'), '-f', join(d, 'new-app.yaml')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ips = clusterIPs(run.stdout);
    expect(ips.size).toBe(5);
    expect(ips.get('new')).toBe('10.96.0.6');
  });

  it('a raw ServiceList (kubectl get svc -o yaml: items without kind) is read and filled', () => {
    const list = { apiVersion: 'v1', kind: 'ServiceList', items: taken.map((ip, i) => ({ metadata: { name: `old-${i}` }, spec: { clusterIP: ip, selector: { a: 'b' }, ports: [{ port: 80 }] } })) };
    const withNew = { ...list, items: [...list.items, { metadata: { name: 'new' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } }] };
    const run = cli(['allocate', '--range', RANGE, '-f', '-', '-o', 'json'], JSON.stringify(withNew));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.kind).toBe('ServiceList');
    expect(out.items.map((i: any) => [i.kind, i.spec.clusterIP])).toEqual([...taken.map((ip) => ['Service', ip]), ['Service', '10.96.0.6']]);
    // -f=path (kubectl's spelling) reads the same input from a file
    const d = dir();
    writeFileSync(join(d, 'list.json'), JSON.stringify(withNew));
    expect(cli(['allocate', '--range', RANGE, `-f=${join(d, 'list.json')}`, '-o', 'json']).stdout).toBe(run.stdout);
  });

  it('an IPAddressList reserves its addresses (1.33+)', () => {
    const addresses = {
      apiVersion: 'networking.k8s.io/v1', kind: 'IPAddressList',
      items: taken.map((ip) => ({ metadata: { name: ip }, spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: 'g' } } })),
    };
    const d = dir();
    writeFileSync(join(d, 'addresses.json'), JSON.stringify(addresses));
    writeFileSync(join(d, 'app.yaml'), service('new'));
    const run = cli(['allocate', '--service-cluster-ip-range', RANGE, '-f', d]);
    expect(run.stderr).toBe('');
    expect(clusterIPs(run.stdout).get('new')).toBe('10.96.0.6');
  });
});

describe('directories, -R, and what is refused', () => {
  it('a directory is read in name order; -R adds its subdirectories', () => {
    const d = dir();
    writeFileSync(join(d, 'a.yaml'), service('a'));
    writeFileSync(join(d, 'notes.txt'), 'not a manifest');
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'b.yml'), service('b'));
    expect([...clusterIPs(cli(['allocate', '--range', RANGE, '-f', d]).stdout).keys()]).toEqual(['a']);
    expect([...clusterIPs(cli(['allocate', '--range', RANGE, '-R', '-f', d]).stdout).keys()]).toEqual(['a', 'b']);
  });

  it.each([
    [['-f', '/nonexistent/x.yaml'], 'error: the path "/nonexistent/x.yaml" does not exist\n'],
    [['-f', '-'], 'error: no objects in stdin\n'],
  ])('%j exits 1 with one line', (args, message) => {
    const run = cli(['allocate', '--range', RANGE, ...args], '');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(message);
  });

  // A path that exists but cannot be read says why, never "does not exist". (Root reads through
  // file modes, so the refusals are ones root gets too: a link loop, a file used as a directory,
  // a dangling link inside a directory, and — through a preload that makes statSync throw as
  // Deno's does without --allow-read — a sandbox's permission error, which has no errno code.)
  it('a path that cannot be read gives the system\'s reason, one line, exit 1', () => {
    const d = dir();
    symlinkSync('loop', join(d, 'loop'));
    writeFileSync(join(d, 'svc.yaml'), service('a'));
    const run = (args: string[], nodeArgs: string[] = []) => {
      const r = spawnSync(process.execPath, [...nodeArgs, bin, 'allocate', '--range', RANGE, ...args], { cwd: root, encoding: 'utf8' });
      return { code: r.status, stderr: r.stderr };
    };
    expect(run(['-f', join(d, 'loop')])).toEqual({ code: 1, stderr: `error: cannot read the path "${join(d, 'loop')}": too many levels of symbolic links\n` });
    expect(run(['-f', join(d, 'svc.yaml', 'x.yaml')])).toEqual({ code: 1, stderr: `error: cannot read the path "${join(d, 'svc.yaml', 'x.yaml')}": a part of the path is not a directory\n` });
    const withDangling = dir();
    writeFileSync(join(withDangling, 'a.yaml'), service('a'));
    symlinkSync(join(withDangling, 'gone.yaml'), join(withDangling, 'b.yaml'));
    expect(run(['-f', withDangling])).toEqual({ code: 1, stderr: `error: the path "${join(withDangling, 'b.yaml')}" does not exist\n` });
    const sandbox = `data:text/javascript,${encodeURIComponent(`
      import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module';
      fs.statSync = (path) => { const e = new Error('Requires read access to "' + path + '", run again with the --allow-read flag'); e.name = 'NotCapable'; throw e; };
      syncBuiltinESMExports();`)}`;
    const svc = join(d, 'svc.yaml');
    expect(run(['-f', svc], ['--import', sandbox])).toEqual({ code: 1, stderr: `error: cannot read the path "${svc}": Requires read access to "${svc}", run again with the --allow-read flag\n` });
  });

  it('an object without kind (a List item, a bare mapping) is reported, not passed by', () => {
    const run = cli(['allocate', '--range', RANGE, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ metadata: { name: 'x' }, spec: {} }] }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stdin#0.items[0]: the object has no kind');
    const bare = cli(['allocate', '--range', RANGE, '-f', '-'], 'metadata:\n  name: x\n');
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('stdin#0: the object has no kind');
  });

  it('other kinds pass through untouched, on purpose', () => {
    const run = cli(['allocate', '--range', RANGE, '-f', '-'], `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\n${service('a')}`);
    expect(run.code).toBe(0);
    expect(parseAllDocuments(run.stdout)[0].toJS()).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } });
  });
});

describe('conflicts name the holder', () => {
  it('a taken cluster IP and a taken node port say who holds them', () => {
    const input = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec: {clusterIP: 10.96.0.10, selector: {a: b}, ports: [{port: 53}]}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: mine}\nspec: {clusterIP: 10.96.0.10, selector: {a: b}, ports: [{port: 53}]}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: NodePort, selector: {a: b}, ports: [{port: 80, nodePort: 30080}]}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: web2}\nspec: {type: NodePort, selector: {a: b}, ports: [{port: 80, nodePort: 30080}]}\n',
    ].join('---\n');
    const run = cli(['allocate', '--range', '10.96.0.0/16', '-f', '-'], input);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed to allocate IP 10.96.0.10: provided IP is already allocated\n  (10.96.0.10 is held by kube-system/kube-dns)');
    expect(run.stderr).toContain('spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated\n  (node port 30080 is held by default/web)');
  });
});

describe('YAML output keeps the input text', () => {
  it('comments, key order and untouched documents survive; only allocated fields are added', () => {
    const input = [
      '# shared config, not ours to touch',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: settings}   # flow style stays',
      'data:',
      '  z: "1"',
      '  a: |',
      '    text',
      '---',
      '# the web service',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web  # public',
      'spec:',
      '  selector:',
      '    app: web',
      '  ports:',
      '  - port: 80   # http',
      '',
    ].join('\n');
    const run = cli(['allocate', '--range', '10.96.0.0/24', '--seed', '1', '-f', '-'], input);
    expect(run.code).toBe(0);
    const [configMap, web] = run.stdout.split('---\n');
    expect(configMap).toBe(input.split('---\n')[0]);
    // Every line of the Service as written, in order, with the allocated fields among them.
    const lines = web.split('\n');
    let at = 0;
    for (const line of input.split('---\n')[1].split('\n').filter((l) => l !== '')) {
      at = lines.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
    }
    expect(web).toContain('  - port: 80   # http\n    protocol: TCP\n    targetPort: 80\n');
    expect(clusterIPs(run.stdout).get('web')).toMatch(/^10\.96\.0\.\d+$/);
  });
});
