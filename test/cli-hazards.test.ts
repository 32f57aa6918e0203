// The API server's hazards through the CLI (issue 24, items 1 and 2): a state holding an
// ExternalName Service that lists a node port is saved and loaded again by every later run; the
// hazard is printed as a warning marked as this package's; `check` names both hazards in a dump.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterip-cli-hazards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stdin: () => '' });
  return { code, stdout, stderr };
}

const alias = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: alias\nspec:\n  type: ExternalName\n  externalName: db.example.com\n  ports:\n  - port: 80\n    nodePort: 30018\n';
const web = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  selector:\n    app: web\n  ports:\n  - port: 80\n    nodePort: 30018\n';

describe('allocate --state with the API server\'s hazards', () => {
  it('an ExternalName Service listing a node port is saved, and every later run loads the state (exit 0)', async () => {
    const state = join(dir, 'state.json');
    const file = join(dir, 'alias.yaml');
    writeFileSync(file, alias);
    const first = await cli(['allocate', '--range', '10.96.0.0/24', '--state', state, '-f', file]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('Warning: clusterip hazard node-port-not-allocated: node port 30018 of ExternalName service default/alias');
    for (let i = 0; i < 2; i++) {
      const again = await cli(['allocate', '--range', '10.96.0.0/24', '--state', state, '-f', file]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(first.stdout);
    }
    expect(JSON.parse(readFileSync(state, 'utf8')).services.map((s: any) => s.metadata.name)).toEqual(['kubernetes', 'alias']);
  });
});

describe('check names the hazards a dump holds', () => {
  it('a node port listed by an ExternalName Service (and held by another) and a clusterIP in non-canonical text', async () => {
    const upper = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: upper\n  uid: 1\nspec:\n  clusterIP: FD00:10:96::4\n  clusterIPs: [FD00:10:96::4]\n  ports:\n  - port: 80\n';
    const file = join(dir, 'dump.yaml');
    writeFileSync(file, [alias, web, upper].join('---\n'));
    const result = await cli(['check', '--range', '10.96.0.0/24,fd00:10:96::/112', '-f', file, '-o', 'json']);
    const kinds = JSON.parse(result.stdout).findings.map((f: { kind: string }) => f.kind).sort();
    expect(kinds).toEqual(['duplicate-node-port', 'listed-node-port-not-allocated', 'noncanonical-cluster-ip']);
    expect(result.code).toBe(1);
  });
});
