// The CLI's fast paths must not change an answer: JSON input stored without a copy (adoptInput),
// YAML read by the block reader and written with its packed outline. Each is compared with the
// slow path it replaces, on the same Services and seed.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM } from '../src/services/service-ipam.js';
import { STORED_WRITE } from '../src/internal.js';
import { allocateCommand } from '../src/cli/allocate-command.js';
import { KUBECTL_SCHEMA } from '../src/cli/yaml-schema.js';

const service = (name: string, extra: Record<string, unknown> = {}): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'apps' },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }], ...extra },
});

describe('adoptInput (the CLI\'s JSON path)', () => {
  it('stores the input object itself; without it the input is copied and left as it was', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 7 });
    const copied = service('a');
    const before = structuredClone(copied);
    const stored = ipam[STORED_WRITE]('create', copied, {});
    expect(stored).not.toBe(copied);
    expect(copied).toEqual(before);
    const adopted = service('b');
    const result = ipam[STORED_WRITE]('create', adopted, { adoptInput: true });
    expect(result).toBe(adopted);
    expect(adopted.spec?.clusterIP).toMatch(/^10\.96\.0\.\d+$/);
  });

  it("'apply' updates the stored Service of the input's name (its IP kept) and creates one it does not hold", () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 7 });
    const first = ipam[STORED_WRITE]('apply', service('a'), {});
    const ip = first.spec?.clusterIP;
    expect(ip).toMatch(/^10\.96\.0\.\d+$/);
    const again = ipam[STORED_WRITE]('apply', service('a', { sessionAffinity: 'ClientIP' }), {});
    expect([again.spec?.clusterIP, again.spec?.sessionAffinity]).toEqual([ip, 'ClientIP']);
    expect(ipam.list().filter((s) => s.metadata?.name === 'a')).toHaveLength(1);
    // A plain create of the same name is refused, as before.
    expect(() => ipam[STORED_WRITE]('create', service('a'), {})).toThrow(/already exists/);
  });

  it('a failed create with an adopted input leaves the allocator as it was', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 7 });
    ipam.create(service('holder', { clusterIP: '10.96.0.10' }));
    const state = JSON.stringify(ipam.snapshot());
    const clash = service('clash', { clusterIP: '10.96.0.10' });
    expect(() => ipam[STORED_WRITE]('create', clash, { adoptInput: true })).toThrow(/already allocated/);
    const outOfRange = service('far', { clusterIP: '10.97.0.1' });
    expect(() => ipam[STORED_WRITE]('create', outOfRange, { adoptInput: true })).toThrow();
    expect(JSON.stringify(ipam.snapshot())).toBe(state);
    const names = ipam.list().map((s) => s.metadata?.name);
    expect(names).toContain('holder');
    expect(names).not.toContain('clash');
    expect(names).not.toContain('far');
  });

  it('allocate gives the same Services from JSON (adopted) as from YAML (copied) and as the library', async () => {
    const services = Array.from({ length: 300 }, (_, i) => service(`s${i}`, i % 7 === 0 ? { type: 'NodePort' } : i % 11 === 0 ? { clusterIP: `10.96.${1 + (i % 200)}.${i % 250}` } : {}));
    const dir = mkdtempSync(join(tmpdir(), 'clusterip-fast-paths-'));
    const jsonFile = join(dir, 'in.json');
    const yamlFile = join(dir, 'in.yaml');
    writeFileSync(jsonFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: services }));
    // Block YAML with comments, compact lists and quoting: the block reader's shape.
    writeFileSync(yamlFile, services.map((s) => [
      `# ${s.metadata!.name}`, 'apiVersion: v1', 'kind: Service', 'metadata:', `  name: ${s.metadata!.name}`, '  namespace: "apps"', 'spec:',
      ...(s.spec!.type ? [`  type: ${s.spec!.type}`] : []), ...(s.spec!.clusterIP ? [`  clusterIP: '${s.spec!.clusterIP}'`] : []),
      '  selector:', `    app: ${s.metadata!.name} # the app`, '  ports:', '  - name: http', '    port: 80', '',
    ].join('\n')).join('---\n'));
    const options = { range: '10.96.0.0/16', seed: 3, printIPAddresses: false } as const;
    const fromJSON = await allocateCommand({ ...options, files: [jsonFile], output: 'json' }, () => '');
    const fromYAML = await allocateCommand({ ...options, files: [yamlFile], output: 'yaml' }, () => '');
    expect(fromJSON.errors).toEqual([]);
    expect(fromYAML.errors).toEqual([]);
    const jsonItems = (JSON.parse(fromJSON.stdout) as { items: Service[] }).items;
    const yamlItems: Service[] = [];
    for (const part of fromYAML.stdout.split(/^---$/m)) yamlItems.push(load(part, { schema: KUBECTL_SCHEMA }) as Service);
    expect(yamlItems).toEqual(jsonItems);
    const library = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', seed: 3 });
    expect(jsonItems).toEqual(services.map((s) => library.create(structuredClone(s))));
    // The YAML output kept the comments and quoting of every document.
    expect(fromYAML.stdout.match(/# the app$/gm)).toHaveLength(300);
    expect(fromYAML.stdout.match(/^ {2}namespace: "apps"$/gm)).toHaveLength(300);
  });
});

describe('the yaml library is loaded only when a document needs it', () => {
  // In a fresh process of the built CLI: plain block YAML never loads it; an anchor (the Document
  // API route) does, and its output is still right.
  const run = (input: string) => {
    const script = `
      import { createRequire } from 'node:module';
      const { allocateCommand } = await import(${JSON.stringify(join(import.meta.dirname, '..', 'dist', 'cli', 'allocate-command.js'))});
      const result = await allocateCommand({ range: '10.96.0.0/24', files: ['-'], seed: 1, output: 'yaml', printIPAddresses: false }, () => ${JSON.stringify(input)});
      const cache = createRequire(import.meta.url).cache;
      console.log(JSON.stringify({ loaded: Object.keys(cache).some((path) => /[\\/]node_modules[\\/]yaml[\\/]/.test(path)), stdout: result.stdout }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    return JSON.parse(child.stdout) as { loaded: boolean; stdout: string };
  };

  it('not for plain documents', () => {
    const plain = run('apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n');
    expect(plain.loaded).toBe(false);
    expect(plain.stdout).toMatch(/^ {2}clusterIP: 10\.96\.0\.\d+$/m);
  });

  it('for a document only the Document API can edit', () => {
    const anchored = run('apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels: &l {app: a}\nspec:\n  selector: *l\n  ports:\n  - port: 80\n');
    expect(anchored.loaded).toBe(true);
    expect(anchored.stdout).toContain('&l');
    expect(anchored.stdout).toMatch(/clusterIP: 10\.96\.0\.\d+/);
  });
});
