// The CLI's fast paths must not change an answer: JSON input stored without a copy (adoptInput),
// YAML read by the block reader and written with its packed outline. Each is compared with the
// slow path it replaces, on the same Services and seed.
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
