// What a kubectl user reaches for (issue 27, item 8): -o name, -o jsonpath=, -n/--namespace,
// completion scripts, `help <command>`, exit 2 for a bad option value, ASCII bars under NO_COLOR,
// and an unreachable etcd named in plain words. Run through the built CLI, as a user runs it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJsonPath } from '../src/cli/jsonpath.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const cli = (args: string[], input?: string, env: Record<string, string> = {}) => {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '', TERM: 'xterm', ...env } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};
const services = [
  'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {a: b}, ports: [{port: 80}]}\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n',
  'apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: kube-system}\nspec: {clusterIP: 10.96.0.10, selector: {a: b}, ports: [{port: 53}]}\n',
].join('---\n');
const allocate = (...args: string[]) => ['allocate', '--range', '10.96.0.0/16', '--seed', '1', '-f', '-', ...args];

describe('-o name and -o jsonpath', () => {
  it('-o name prints kind/name per object, grouped kinds with their group', () => {
    expect(cli(allocate('-o', 'name'), services)).toEqual({ code: 0, stdout: 'service/web\nconfigmap/settings\nservice/dns\n', stderr: '' });
    const withAddresses = cli(allocate('-o', 'name', '--print-ipaddresses'), services);
    expect(withAddresses.stdout).toMatch(/^service\/web\nconfigmap\/settings\nservice\/dns\nipaddress\.networking\.k8s\.io\/10\.96\.\d+\.\d+\nipaddress\.networking\.k8s\.io\/10\.96\.0\.10\n$/);
  });

  it('-o jsonpath= over the List of objects, with range and literals', () => {
    const run = cli(allocate('-o', 'jsonpath={range .items[?(@.kind)]}x{end}'), services);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not supported');
    const table = cli(allocate('-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.clusterIP}{"\\n"}{end}'), services);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^web\t10\.96\.\d+\.\d+\nsettings\t\ndns\t10\.96\.0\.10\n$/);
    expect(cli(allocate('-o', 'jsonpath={.items[2].spec.clusterIPs}'), services).stdout).toBe('["10.96.0.10"]');
  });

  it('renderJsonPath: fields, indexes, quoted keys, [*] and missing fields', () => {
    const data = { items: [{ metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'x' } } }, { metadata: { name: 'b' } }] };
    expect(renderJsonPath('{.items[*].metadata.name}', data)).toBe('a b');
    expect(renderJsonPath("{.items[0].metadata.labels['app.kubernetes.io/name']}", data)).toBe('x');
    expect(renderJsonPath('{.items[-1].metadata.name}/{.nothing}', data)).toBe('b/');
    expect(() => renderJsonPath('{..name}', data)).toThrow(/recursive descent/);
    expect(() => renderJsonPath('{range .items[*]}{.metadata.name}', data)).toThrow(/without \{end\}/);
  });
});

describe('-n/--namespace', () => {
  it('puts Services that name no namespace in it; one naming another is kubectl\'s error', () => {
    const only = services.split('---\n').slice(0, 2).join('---\n');
    const run = cli(allocate('-n', 'team-a'), only);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('metadata: {name: web, namespace: team-a}');
    expect(run.stdout).toContain('metadata: {name: settings}\n');
    const clash = cli(allocate('--namespace', 'team-a'), services);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toBe('error: the namespace from the provided object "kube-system" does not match the namespace "team-a". You must pass \'--namespace=kube-system\' to perform this operation.\n');
    expect(cli(allocate('-n', 'Bad_Name'), services).code).toBe(2);
    const check = cli(['check', '--range', '10.96.0.0/16', '-f', '-', '-n', 'kube-system', '-o', 'json'], services.split('---\n')[2].replace(', namespace: kube-system', ''));
    expect(JSON.parse(check.stdout).findings).toEqual([]);
  });
});

describe('help, completion and usage errors', () => {
  it('help <command> is <command> --help; an unknown topic is a usage error', () => {
    for (const command of ['allocate', 'check', 'describe', 'simulate', 'migrate']) {
      const help = cli(['help', command]);
      expect(help.code).toBe(0);
      expect(help.stdout).toBe(cli([command, '--help']).stdout);
      expect(help.stdout).toMatch(new RegExp(`^Usage: clusterip ${command}`));
    }
    expect(cli(['help', 'nope']).code).toBe(2);
  });

  it.each(['bash', 'zsh'] as const)('completion %s is a script the shell reads, naming every command and option', (shell) => {
    const run = cli(['completion', shell]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('allocate check completion describe help migrate simulate');
    expect(run.stdout).toMatch(/allocate\) words="[^"]*--namespace[^"]*--output[^"]*--store/);
    // bash parses it (zsh's is the same function behind bashcompinit).
    const syntax = spawnSync('bash', ['-n'], { input: run.stdout.replace(/^autoload.*$/m, ''), encoding: 'utf8' });
    expect(syntax.status).toBe(0);
    // Completing "clusterip allocate --na" offers --namespace.
    const complete = spawnSync('bash', ['-c', `${run.stdout.replace(/^autoload.*$/m, '')}\nCOMP_WORDS=(clusterip allocate --na); COMP_CWORD=2; _clusterip; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(complete.stdout.trim()).toBe('--namespace');
    expect(cli(['completion', 'fish']).code).toBe(2);
  });

  it('an invalid --range is a usage error (exit 2) in allocate and check; a range from the input stays exit 1', () => {
    for (const command of [allocate(), ['check', '--range', '10.96.0.0/16', '-f', '-']]) {
      const args = command.map((a) => (a === '10.96.0.0/16' ? '10.96.0.0/33' : a));
      const run = cli(args, services);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('error: --range: invalid CIDR "10.96.0.0/33": the prefix length must be a decimal number from 0 to 32\n');
    }
    const cidr = 'apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: kubernetes}\nspec: {cidrs: [10.96.0.0/33]}\n';
    expect(cli(['allocate', '-f', '-'], cidr).code).toBe(1);
  });
});

describe('plain terminals and unreachable etcd', () => {
  it('describe and simulate draw bars in ASCII under NO_COLOR (and TERM=dumb), in block characters otherwise', () => {
    const plain = cli(['describe', '10.96.0.0/16'], undefined, { NO_COLOR: '1' });
    expect(plain.stdout).toContain('  [-#################################################]  - static  # dynamic\n');
    const blocks = /[▒█·]/;
    expect(plain.stdout).not.toMatch(blocks);
    expect(cli(['describe', '30000-32767'], undefined, { TERM: 'dumb' }).stdout).not.toMatch(blocks);
    const simulated = cli(['simulate', '--range', '10.96.0.0/28', '--services', '4', '--static', '1', '--trials', '3'], undefined, { NO_COLOR: '1' });
    expect(simulated.stdout).toMatch(/with band +\[[#.]{40}\]/);
    expect(cli(['describe', '10.96.0.0/16']).stdout).toContain('▒ static  █ dynamic');
  });

  it('with etcd down the error is one line in plain words, no gRPC framing', () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const run = cli(allocate('--store', 'etcd://127.0.0.1:1'), services);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: --store: etcd read failed: connection refused by 127.0.0.1:1\n');
  });
});
