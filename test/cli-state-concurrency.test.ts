// Concurrent `clusterip allocate --state same.json` runs (issue 12): the state file's lock makes
// them take turns, so no run loses another's Services and no IP is handed out twice.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli', 'main.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const manifest = (prefix: string, count: number) => Array.from({ length: count }, (_, j) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${prefix}-${j}\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports: [{port: 80}]\n`).join('---\n');

describe('allocate --state under concurrency', () => {
  it('8 processes × 50 Services on one state file: all 400 kept, no IP or node port twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterip-lock-'));
    const state = join(dir, 'state.json');
    const files = Array.from({ length: 8 }, (_, i) => {
      const file = join(dir, `p${i}.yaml`);
      writeFileSync(file, manifest(`p${i}`, 50));
      return file;
    });
    const results = await Promise.all(files.map((file) => run(['allocate', '--range', '10.96.0.0/16', '-f', file, '--state', state])));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    const services = saved.services.filter((s: any) => s.metadata.name !== 'kubernetes');
    expect(services.length).toBe(400);
    const ips = services.map((s: any) => s.spec.clusterIP);
    expect(new Set(ips).size).toBe(400);
    const ports = services.map((s: any) => s.spec.ports[0].nodePort);
    expect(new Set(ports).size).toBe(400);
    // What each run printed is what the state holds for its Services.
    const byName = new Map(services.map((s: any) => [s.metadata.name, s.spec.clusterIP]));
    for (const r of results) {
      for (const doc of parseAllDocuments(r.stdout)) {
        const s = doc.toJS();
        expect(byName.get(s.metadata.name)).toBe(s.spec.clusterIP);
      }
    }
    expect(existsSync(`${state}.lock`)).toBe(false);
  });

  it('a missing directory for --state is one line, exit 1, and no stack trace', async () => {
    const r = await run(['allocate', '--range', '10.96.0.0/16', '-f', 'examples/services.yaml', '--state', '/nonexistent-dir/state.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot use state file /nonexistent-dir/state.json: its directory does not exist\n');
  });
});
