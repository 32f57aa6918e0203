// Hostile YAML (issue 24, item 5): an alias bomb, nesting deeper than any manifest, invalid UTF-8.
// Each is one line on stderr naming the file and the position, exit 1, and nothing on stdout;
// `+.5` reads as go-yaml reads it. The in-process CLI is used, so each case reads no clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { deepestNesting, hasExcessiveAliasing, MAX_NESTING } from '../src/cli/yaml-bounds.js';
import { resolvePlainScalar } from '../src/cli/yaml-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterip-yaml-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stdin: () => stdin });
  return { code, stdout, stderr };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

// 9 levels of 9 aliases each: 9^9 strings once expanded, 560 bytes as text.
function aliasBomb(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bomb', 'data:', '  a0: &a0 ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i <= 9; i++) lines.push(`  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

function deepBlock(levels: number): string {
  let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n';
  let indent = '  ';
  for (let i = 0; i < levels; i++) {
    text += `${indent}k${i}:\n`;
    indent += '  ';
  }
  return `${text}${indent}x: 1\n`;
}

const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n';

describe.each(['allocate', 'check'])('%s refuses hostile YAML with one line, exit 1', (command) => {
  const args = (path: string) => [command, '--range', '10.96.0.0/16', '-f', path];
  it.each([
    ['an alias bomb (9 levels × 9)', () => file('bomb.yaml', aliasBomb()), /bomb\.yaml:1: document contains excessive aliasing$/],
    ['100,000 nested flow lists', () => file('flow.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: ${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`), /flow\.yaml:4:\d+: exceeded max depth of 500$/],
    ['a 3,000-level block mapping', () => file('block.yaml', deepBlock(3000)), /block\.yaml:\d+:\d+: exceeded max depth of 500$/],
    ['a 3,000-level block list', () => file('list.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\ndata:\n  a:\n${Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i + 1)}-`).join('\n')} x\n`), /list\.yaml:\d+:\d+: exceeded max depth of 500$/],
    ['a byte no UTF-8 sequence starts with', () => file('ff.yaml', Buffer.concat([Buffer.from(service), Buffer.from('  - name: x'), Buffer.from([0xff]), Buffer.from('\n')])), /ff\.yaml:10:12: invalid leading UTF-8 octet \(byte \d+\): manifests must be UTF-8$/],
    ['Latin-1 text (é as one byte)', () => file('latin1.yaml', Buffer.concat([Buffer.from(service), Buffer.from('  - name: caf'), Buffer.from([0xe9]), Buffer.from(' bar\n')])), /latin1\.yaml:10:15: invalid trailing UTF-8 octet/],
    ['an overlong encoding', () => file('overlong.yaml', Buffer.concat([Buffer.from(service), Buffer.from([0xc0, 0xaf])])), /overlong\.yaml:10:1: invalid length of a UTF-8 sequence/],
    ['a UTF-8 sequence cut short', () => file('cut.yaml', Buffer.concat([Buffer.from(service), Buffer.from([0xe2, 0x82])])), /cut\.yaml:10:1: incomplete UTF-8 octet sequence/],
  ])('%s', async (_label, make, message) => {
    const result = await cli(args(make()));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
  });
});

describe('what kubectl reads, clusterip reads', () => {
  it('anchors and aliases within bounds still work (a label set shared by several documents)', async () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels: &l {app: a, tier: web}\nspec:\n  selector: *l\n  ports: [{port: 80}]\n`;
    const result = await cli(['allocate', '--range', '10.96.0.0/16', '-f', file('anchors.yaml', text), '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).spec.selector).toEqual({ app: 'a', tier: 'web' });
  });

  it('500 levels read; the check counts block, compact and flow levels', () => {
    expect(deepestNesting(deepBlock(MAX_NESTING - 10))).toBeUndefined();
    expect(deepestNesting(deepBlock(MAX_NESTING + 1))).toBeDefined();
    expect(deepestNesting(`a: ${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`)).toBeDefined();
    expect(deepestNesting(`a: ${'['.repeat(MAX_NESTING - 5)}${']'.repeat(MAX_NESTING - 5)}`)).toBeUndefined();
    expect(deepestNesting(`${'- '.repeat(MAX_NESTING + 1)}x`)).toBeDefined();
    // Brackets inside quotes, comments and block scalars are text.
    expect(deepestNesting(`a: "${'['.repeat(2000)}"\nb: '${'{'.repeat(2000)}'\n# ${'['.repeat(2000)}\nc: |\n  ${'['.repeat(2000)}\n`)).toBeUndefined();
  });

  it('excessive aliasing follows go-yaml: small documents and sparse aliases pass, a bomb stops early', () => {
    const shared = { a: 1 };
    expect(hasExcessiveAliasing({ list: Array(50).fill(shared) })).toBe(false);
    const big = { items: Array.from({ length: 5000 }, (_, i) => ({ name: `n${i}`, labels: shared })) };
    expect(hasExcessiveAliasing(big)).toBe(false);
    let level: unknown = ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'];
    for (let i = 0; i < 9; i++) level = Array(9).fill(level);
    expect(hasExcessiveAliasing(level)).toBe(true);
  });

  it.each([
    ['+.5', 0.5], ['-.5', -0.5], ['.5', 0.5], ['1e3', 1000], ['1_000.5', 1000.5], ['0x1p-2', 0.25], ['+Inf', Infinity], ['-infinity', -Infinity],
    ['.inf', Infinity], ['1.', 1], ['010', 8], ['0x1F', 31],
    ['.5_0', '.5_0'], ['+.', '+.'], ['nan', 'nan'], ['1.2.3', '1.2.3'], ['0x1.8', '0x1.8'],
  ])('a plain %s reads as %s (go-yaml v2)', (text, value) => {
    expect(resolvePlainScalar(text)).toBe(value);
  });

  it('`+.5` in a manifest is the number 0.5', async () => {
    const result = await cli(['allocate', '--range', '10.96.0.0/16', '-f', file('plus.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: +.5\n'), '-o', 'json']);
    expect(JSON.parse(result.stdout).data.a).toBe(0.5);
  });
});
