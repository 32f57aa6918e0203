// CLI conventions (issue 12): --version, -o on every command, suggestions for mistyped options,
// and a quiet end when the reader of stdout goes away (`| head`).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const cli = (args: string[], input?: string) => {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('CLI conventions', () => {
  it('--version prints the package version', () => {
    const version = JSON.parse(spawnSync('cat', [join(root, 'package.json')], { encoding: 'utf8' }).stdout).version;
    expect(cli(['--version'])).toEqual({ code: 0, stdout: `clusterip ${version}\n`, stderr: '' });
  });

  it('-o json and -o yaml on describe and simulate carry the same data as --json', () => {
    const json = JSON.parse(cli(['describe', '10.96.0.0/24', '--json']).stdout);
    expect(JSON.parse(cli(['describe', '10.96.0.0/24', '-o', 'json']).stdout)).toEqual(json);
    expect(parse(cli(['describe', '10.96.0.0/24', '-o', 'yaml']).stdout)).toEqual(json);
    const args = ['simulate', '--range', '10.96.0.0/24', '--services', '50', '--static', '5', '--trials', '5'];
    const sim = JSON.parse(cli([...args, '--json']).stdout);
    expect(parse(cli([...args, '-o', 'yaml']).stdout)).toEqual(sim);
    expect(cli(['describe', '10.96.0.0/24', '-o', 'xml']).code).toBe(2);
  });

  it('a mistyped option names the closest one', () => {
    const run = cli(['allocate', '--rnage', '10.96.0.0/16', '-f', '-'], '');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: Unknown option '--rnage'. Did you mean --range?\n");
    expect(cli(['simulate', '--servcies', '3']).stderr).toContain('Did you mean --services?');
  });

  it('`| head -1` ends the run quietly with exit 0 (EPIPE)', () => {
    const services = Array.from({ length: 3000 }, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}}\nspec: {selector: {a: b}, ports: [{port: 80}]}\n`).join('---\n');
    const run = spawnSync('bash', ['-c', `node "${bin}" allocate --range 10.96.0.0/16 -f - | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], { cwd: root, encoding: 'utf8', input: services });
    expect(run.stdout).toBe('apiVersion: v1\n');
    expect(run.stderr).toBe('status=0\n');
  });
});
