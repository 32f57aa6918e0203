// Node ports in the `clusterip` command, end to end: describe, allocate (with --state) and simulate
// on a port range, spawned as a process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

const manifest = (name: string, extra = '') => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  type: NodePort
  selector: {app: ${name}}
  ports: [{name: http, port: 80}, {name: https, port: 443${extra}}]
`;

const nodePorts = (yamlText: string): number[] => parseAllDocuments(yamlText)
  .flatMap((d) => (d.toJS().spec.ports as Array<{ nodePort: number }>).map((p) => p.nodePort));

describe('clusterip describe <port range>', () => {
  it('explains the node port bands', () => {
    const run = cli(['describe', '30000-32767']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('range size     2,768 ports (30000 – 32767)');
    expect(run.stdout).toContain('band offset    min(max(16, 2,768/32), 128) = 86');
    expect(run.stdout).toContain('static band    30000 – 30085 (86 ports, 3.1%)');
    expect(run.stdout).toContain('dynamic band   30086 – 32767 (2,682 ports, 96.9%)');
  });

  it('--json, and a range of 16 ports or fewer has no static band', () => {
    const run = cli(['describe', '30000-30015', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ range: '30000-30015', size: 16, bandOffset: 0, staticStart: null, dynamicStart: 30000 });
  });

  it('a reversed range exits 1 with the flag parser\'s reason', () => {
    const run = cli(['describe', '32767-30000']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: invalid port range "32767-30000": end port cannot be less than start port: 32767-30000\n');
  });
});

describe('clusterip allocate with node ports', () => {
  it('fills nodePorts from --service-node-port-range, keeps a requested one, and --state never repeats a port', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterip-np-'));
    const state = join(dir, 'state.json');
    const first = join(dir, 'first.yaml');
    writeFileSync(first, manifest('web', ', nodePort: 31005'));
    const run1 = cli(['allocate', '--range', '10.96.0.0/16', '--service-node-port-range', '31000-31099', '-f', first, '--state', state]);
    expect(run1.code).toBe(0);
    const ports1 = nodePorts(run1.stdout);
    expect(ports1[1]).toBe(31005);
    expect(ports1[0]).toBeGreaterThanOrEqual(31016); // the dynamic band of a 100-port range starts after 16
    expect(ports1[0]).toBeLessThanOrEqual(31099);
    expect(JSON.parse(readFileSync(state, 'utf8')).serviceNodePortRange).toBe('31000-31099');
    // A second run asking for the same port is refused with the API server's field error.
    const second = join(dir, 'second.yaml');
    writeFileSync(second, manifest('api', ', nodePort: 31005'));
    const run2 = cli(['allocate', '--range', '10.96.0.0/16', '--service-node-port-range', '31000-31099', '-f', second, '--state', state]);
    expect(run2.code).toBe(1);
    expect(run2.stderr).toContain('spec.ports[1].nodePort: Invalid value: 31005: provided port is already allocated');
    // Without the request it gets fresh ports, none of the first run's.
    writeFileSync(second, manifest('api'));
    const run3 = cli(['allocate', '--range', '10.96.0.0/16', '--service-node-port-range', '31000-31099', '-f', second, '--state', state]);
    expect(run3.code).toBe(0);
    for (const port of nodePorts(run3.stdout)) expect(ports1).not.toContain(port);
    // The state belongs to that port range: another one is refused, the file left as it was.
    const before = readFileSync(state, 'utf8');
    const run4 = cli(['allocate', '--range', '10.96.0.0/16', '-f', second, '--state', state]);
    expect(run4.code).toBe(1);
    expect(run4.stderr).toContain('the provided port range does not match the current port range');
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('a bad --service-node-port-range is a usage error (exit 2) with one line', () => {
    const run = cli(['allocate', '--range', '10.96.0.0/16', '--service-node-port-range', '30000-70000', '-f', '-'], manifest('web'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: --service-node-port-range: invalid port range "30000-70000": the port range cannot be greater than 65535: 30000-70000\n');
  });
});

describe('clusterip simulate on a port range', () => {
  it('requested low ports collide without the band and never with it', () => {
    const run = cli(['simulate', '--range', '30000-32767', '--services', '2000', '--static', '20', '--trials', '20', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ range: '30000-32767', bandOffset: 86, staticTargets: '30000 – 30019' });
    expect(out.withBand.conflicts).toBe(0);
    expect(out.withoutBand.conflicts).toBeGreaterThan(0);
  });
});
