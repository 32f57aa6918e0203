// The law of `clusterip allocate -o yaml`: every byte of the input that is not an allocated field
// is in the output unchanged — document markers ("---", "..."), comments, comment-only documents,
// quoting, indentation, flow style, line breaks ("\r\n" stays "\r\n") and a byte order mark — and
// the allocated fields go in a fixed place and order, so a second run over the output changes
// nothing. Checked on generated files in every style the real-world corpus showed (helm's
// "# Source:" headers, "..." endings, `kind: List`, flow documents, CRLF), through the real
// command, against its own JSON output for the values.
import fc from 'fast-check';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { allocateCommand } from '../src/cli/allocate-command.js';
import { KUBECTL_SCHEMA } from '../src/cli/yaml-schema.js';

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

async function allocate(text: string, output: 'yaml' | 'json'): Promise<string> {
  const result = await allocateCommand({ range: '10.96.0.0/16,fd00::/108', files: ['-'], seed: 7, output, printIPAddresses: false }, () => text);
  expect(result.errors).toEqual([]);
  return result.stdout;
}

/** Whether `input` is `output` with only insertions: every input byte kept, in order. */
function onlyInsertions(input: string, output: string): boolean {
  let at = 0;
  for (let i = 0; i < output.length && at < input.length; i++) if (output[i] === input[at]) at++;
  return at === input.length;
}

// ---- generated manifests ----

const nameArb = fc.constantFrom('web', 'db', 'kube-dns', 'a-b', 'metrics');
const portArb = fc.record({ name: fc.constantFrom('http', 'dns', 'grpc'), port: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: ['port'] });
const serviceArb = fc.record({
  name: nameArb,
  namespace: fc.option(fc.constantFrom('default', 'kube-system', 'monitoring'), { nil: undefined }),
  type: fc.option(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'), { nil: undefined }),
  policy: fc.option(fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack'), { nil: undefined }),
  ports: fc.uniqueArray(portArb, { minLength: 1, maxLength: 3, selector: (p) => p.port }),
  labels: fc.boolean(),
}).map(({ name, namespace, type, policy, ports, labels }): Record<string, Value> => {
  const metadata: Record<string, Value> = { name };
  if (namespace) metadata.namespace = namespace;
  if (labels) metadata.labels = { 'app.kubernetes.io/name': name };
  const spec: Record<string, Value> = {};
  if (type) spec.type = type;
  if (policy) spec.ipFamilyPolicy = policy;
  spec.selector = { app: name };
  // More than one port: each needs a name (the API server's rule).
  spec.ports = ports.map((p, i) => (p.name || ports.length > 1 ? { ...p, name: `${p.name ?? 'port'}-${i}` } : p));
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
});
const configMapArb = fc.record({ name: nameArb, note: fc.constantFrom('plain', 'two\nlines\n', 'yes', '010') })
  .map(({ name, note }): Record<string, Value> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config` }, data: { note } }));

interface BlockStyle { step: 2 | 4; compact: boolean; comments: boolean; flowLeaves: boolean; quoted: boolean }

function scalar(value: Value, quoted: boolean): string {
  if (typeof value === 'string') {
    if (quoted || !/^[A-Za-z][A-Za-z0-9./-]*$/.test(value) || /^(y|n|yes|no|on|off|true|false|null)$/i.test(value)) return JSON.stringify(value);
    return value;
  }
  return String(value);
}

function flow(value: Value, quoted: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => flow(v, quoted)).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${quoted ? JSON.stringify(k) : k}: ${flow(v, quoted)}`).join(', ')}}`;
  return scalar(value, quoted);
}

function block(value: Record<string, Value>, indent: number, style: BlockStyle, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [key, inner] of Object.entries(value)) {
    if (style.comments && key === 'spec') out.push(`${pad}# the ${key}, as written by hand`);
    if (typeof inner === 'string' && inner.includes('\n')) {
      out.push(`${pad}${key}: |`);
      for (const line of inner.slice(0, -1).split('\n')) out.push(`${pad}${' '.repeat(style.step)}${line}`);
    } else if (inner === null || typeof inner !== 'object') {
      out.push(`${pad}${key}: ${scalar(inner, style.quoted)}${style.comments && key === 'name' ? '   # keep me' : ''}`);
    } else if (style.flowLeaves && (key === 'selector' || key === 'labels' || key === 'ports')) {
      out.push(`${pad}${key}: ${flow(inner, style.quoted)}`);
    } else if (Array.isArray(inner)) {
      out.push(`${pad}${key}:`);
      const dashPad = style.compact ? pad : pad + ' '.repeat(style.step);
      for (const item of inner) {
        const lines: string[] = [];
        block(item as Record<string, Value>, dashPad.length + 2, style, lines);
        lines[0] = `${dashPad}- ${lines[0].trimStart()}`;
        out.push(...lines);
      }
    } else {
      out.push(`${pad}${key}:`);
      block(inner, indent + style.step, style, out);
    }
  }
}

const blockStyleArb = fc.record({
  step: fc.constantFrom(2 as const, 4 as const), compact: fc.boolean(), comments: fc.boolean(), flowLeaves: fc.boolean(), quoted: fc.boolean(),
});

// One document's own text (no marker), in one of the styles.
const documentTextArb = (objectArb: fc.Arbitrary<Record<string, Value>>) => fc.oneof(
  fc.tuple(objectArb, blockStyleArb).map(([object, style]) => {
    const lines: string[] = [];
    block(object, 0, style, lines);
    return { marker: 'own-line' as const, text: lines.join('\n') + '\n' };
  }),
  fc.tuple(objectArb, fc.boolean(), fc.boolean()).map(([object, quoted, spread]) => {
    const text = spread
      ? `{${Object.entries(object).map(([k, v]) => `${quoted ? JSON.stringify(k) : k}: ${flow(v, quoted)}`).join(',\n ')}}\n`
      : `${flow(object, quoted)}\n`;
    return { marker: spread ? 'own-line' as const : 'either' as const, text };
  }),
);

const listTextArb = fc.tuple(fc.array(serviceArb, { minLength: 1, maxLength: 3 }), blockStyleArb).map(([items, style]) => {
  const lines: string[] = [];
  block({ apiVersion: 'v1', kind: 'List', items }, 0, style, lines);
  return { marker: 'own-line' as const, text: lines.join('\n') + '\n' };
});

const fileArb = fc.record({
  documents: fc.array(fc.record({
    doc: fc.oneof({ weight: 4, arbitrary: documentTextArb(serviceArb) }, { weight: 1, arbitrary: documentTextArb(configMapArb) }, { weight: 1, arbitrary: listTextArb }),
    helmSource: fc.boolean(),
    endMarker: fc.boolean(),
    commentOnlyAfter: fc.boolean(),
  }), { minLength: 1, maxLength: 4 }),
  header: fc.boolean(),
  trailingMarker: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
}).map(({ documents, header, trailingMarker, crlf, bom }) => {
  let text = header ? '# generated by hand and by helm\n' : '';
  documents.forEach(({ doc, helmSource, endMarker, commentOnlyAfter }, i) => {
    const source = helmSource ? `# Source: chart/templates/part-${i}.yaml\n` : '';
    if (doc.marker === 'either' && !helmSource && i % 2 === 1) text += `--- ${doc.text}`;
    else text += `---\n${source}${doc.text}`;
    if (endMarker) text += '...\n# after the end marker\n';
    if (commentOnlyAfter) text += '---\n# a document of comments only\n';
  });
  if (trailingMarker) text += '---\n';
  if (crlf) text = text.replaceAll('\n', '\r\n');
  return (bom ? '\ufeff' : '') + text;
});

const valuesOf = (yaml: string) => loadAll(yaml.replace(/^\ufeff/, ''), undefined, { schema: KUBECTL_SCHEMA }).filter((d) => d !== null && d !== undefined);

describe('law: allocate -o yaml keeps every byte it does not own', () => {
  it('on generated files in every style: only insertions, the right values, and a rerun changes nothing', async () => {
    await fc.assert(fc.asyncProperty(fileArb, async (input) => {
      const out = await allocate(input, 'yaml');
      // Nothing of the input is dropped or changed.
      expect(onlyInsertions(input, out)).toBe(true);
      // The values are the command's own (its JSON output), Services filled, the rest as given.
      const json = JSON.parse(await allocate(input, 'json')) as Value;
      const docs = valuesOf(out) as Value[];
      const objects = (docs.length === 1 ? [json] : (json as { items: Value[] }).items);
      expect(docs).toEqual(objects);
      // Line breaks and the byte order mark as the input has them.
      if (input.includes('\r\n')) expect(out.replaceAll('\r\n', '')).not.toContain('\n');
      else expect(out).not.toContain('\r');
      expect(out.startsWith('\ufeff')).toBe(input.startsWith('\ufeff'));
      // A rerun over the output: every field is there already, and the bytes stay.
      expect(await allocate(out, 'yaml')).toBe(out);
    }), { numRuns: 150 });
  });
});

describe('real-world shapes round-trip byte for byte but for the allocated fields', () => {
  // The shapes the corpus broke on (issue 27): each input, and what the output must be.
  const cases: Array<[string, string, (out: string) => void]> = [
    ['a document ending with "..." (istio\'s addons)', 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: kiali   # sa\n...\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: kiali\nspec:\n  ports:\n  - {name: http, port: 20001}\n...\n', (out) => {
      expect(out.startsWith('apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: kiali   # sa\n...\n---\n')).toBe(true);
      expect(out).toContain('  - {name: http, port: 20001, protocol: TCP, targetPort: 20001}\n');
      expect(out.endsWith('\n...\n')).toBe(true);
    }],
    ['a trailing "---" and a comment-only document', '---\n# Source: x/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 80\n---\n# Source: x/templates/empty.yaml\n---\n', (out) => {
      expect(out.startsWith('---\n# Source: x/templates/svc.yaml\napiVersion: v1\n')).toBe(true);
      expect(out).toContain('    - port: 80\n      protocol: TCP\n      targetPort: 80\n');
      expect(out.endsWith('\n---\n# Source: x/templates/empty.yaml\n---\n')).toBe(true);
    }],
    ['CRLF line breaks', 'apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: w # web\r\nspec:\r\n  ports:\r\n  - port: 80\r\n', (out) => {
      expect(out).toContain('  name: w # web\r\n');
      expect(out.replaceAll('\r\n', '')).not.toContain('\n');
    }],
    ['a byte order mark', '\ufeffapiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec:\n  ports:\n  - port: 80\n', (out) => {
      expect(out.startsWith('\ufeffapiVersion: v1\n')).toBe(true);
    }],
    ['the kubernetes.io dual-stack example in flow style', '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-service", "labels": {"app.kubernetes.io/name": "MyApp"}},\n "spec": {"ipFamilyPolicy": "PreferDualStack", "selector": {"app.kubernetes.io/name": "MyApp"}, "ports": [{"protocol": "TCP", "port": 80}]}}\n', (out) => {
      // Fields go into the mappings where they belong; a new root entry is separated as the root's are (",\n ").
      expect(out.split('\n')).toHaveLength(4);
      expect(out).toContain('"Cluster"},\n "status": {"loadBalancer": {}}}\n');
      expect(out).toContain('"ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}], "clusterIP": ');
      expect(out).toContain('"ipFamilies": ["IPv4", "IPv6"]');
    }],
  ];
  it.each(cases)('%s', async (_name, input, check) => {
    const out = await allocate(input, 'yaml');
    expect(onlyInsertions(input, out)).toBe(true);
    check(out);
    expect(await allocate(out, 'yaml')).toBe(out);
  });
});

describe('a rerun with --state', () => {
  it('writes the same bytes as the first run (the allocated fields in the same place and order)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'clusterip-rerun-'));
    try {
      const input = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  type: NodePort\n  selector: {app: a}\n  ports:\n  - port: 80\n';
      const run = async () => {
        const result = await allocateCommand({ range: '10.96.0.0/16,fd00::/108', files: ['-'], seed: 1, output: 'yaml', printIPAddresses: false, state: join(dir, 'state.json') }, () => input);
        expect(result.errors).toEqual([]);
        return result.stdout;
      };
      const first = await run();
      expect(first).toContain('    nodePort: ');
      expect(await run()).toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
