// The fast reader for plain block YAML (src/cli/yaml-block-reader.ts) against js-yaml with
// KUBECTL_SCHEMA, which is how every document it declines is read: on every text it either
// declines (NOT_READ) or gives exactly js-yaml's value — same types, same key order, and never a
// value where js-yaml reports an error — and exactly the outliner's outline of the text (the one
// the writer makes for a document js-yaml read), mark for mark.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { NOT_READ, readBlockDocument } from '../src/cli/yaml-block-reader.js';
import {
  EMPTY_MARK, FLOW_ENTRY, FLOW_ITEM, FLOW_MAP_MARK, FLOW_SEQ_MARK, HEADER, MAP_ENTRY, MAP_MARK, OutlineMarks, SEQ_ITEM, SEQ_MARK, nodeEnd, styleOfMarks, type MarkedOutline,
} from '../src/cli/outline-marks.js';
import { outlineDocument } from '../src/cli/yaml-outline.js';
import { KUBECTL_SCHEMA, resolvePlainScalar } from '../src/cli/yaml-schema.js';

// A value's text with every type and the key order visible (toEqual ignores key order and -0).
function typed(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number') return `number:${Object.is(v, -0) ? '-0' : String(v)}`;
    if (typeof v === 'string') return `string:${v}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return 'not a plain object';
    return v;
  });
}

type JsYamlResult = { value: unknown } | { error: string };

function jsYaml(text: string): JsYamlResult {
  try {
    return { value: load(text, { schema: KUBECTL_SCHEMA }) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** An outline's marks as nested arrays, keys as strings: two outlines are the same when these are. */
function shapeOf({ marks, at: first }: MarkedOutline): unknown {
  const { values, keys } = marks;
  const walk = (at: number): unknown => {
    const kind = values[at];
    if (kind === EMPTY_MARK) return [kind];
    const step = kind === MAP_MARK ? MAP_ENTRY : kind === SEQ_MARK ? SEQ_ITEM : kind === FLOW_MAP_MARK ? FLOW_ENTRY : kind === FLOW_SEQ_MARK ? FLOW_ITEM : 0;
    if (step === 0) return [kind, values[at + 1]];
    const out: unknown[] = [[kind, values[at + 1], values[at + 2], values[at + 4]]];
    let p = at + HEADER;
    for (let i = 0; i < values[at + 2]; i++) {
      const fields: unknown[] = Array.from(values.subarray(p, p + step));
      if (kind === MAP_MARK || kind === FLOW_MAP_MARK) fields[0] = keys[fields[0] as number];
      out.push([fields, walk(p + step)]);
      p = nodeEnd(values, p + step);
    }
    return out;
  };
  return walk(first);
}

/**
 * Whether the reader agreed with js-yaml on the value and with the outliner on the outline;
 * undefined when it declined.
 */
function agrees(text: string): boolean | undefined {
  const marks = new OutlineMarks();
  const fast = readBlockDocument(text, marks);
  if (fast === NOT_READ) return undefined;
  const reference = jsYaml(text);
  if (!('value' in reference) || typed(fast.value) !== typed(reference.value)) return false;
  const outlined = outlineDocument(text, new OutlineMarks());
  if (!outlined) return false;
  // The same outline, and the same style for the lines the writer adds.
  const fromReader = { marks, at: fast.outlineAt };
  return isDeepStrictEqual(shapeOf(fromReader), shapeOf(outlined)) && isDeepStrictEqual(styleOfMarks(fromReader), styleOfMarks(outlined));
}

describe('plain scalars resolve as js-yaml resolves them', () => {
  // resolvePlainScalar answers "a string" from the first character alone for most texts: every
  // printable first character, before the endings of every implicit type's words and numbers.
  const endings = ['', 'x', 'ull', 'ULL', 'es', 'ES', 'rue', 'RUE', 'alse', 'ALSE', 'n', 'N', 'ff', 'FF', 'o', 'O', '0', '1', '.5', 'e3', 'x1F', 'o7', 'b1', '_1', 'inf', 'nan', '<'];
  it('for every printable first character', () => {
    let compared = 0;
    for (let c = 33; c < 127; c++) {
      // Characters that open something other than a plain scalar (a comment, quote, flow, tag, …).
      if ('#\'"[]{},!&*|>%@`'.includes(String.fromCharCode(c))) continue;
      for (const ending of endings) {
        const text = String.fromCharCode(c) + ending;
        const reference = jsYaml(`v: ${text}\n`);
        if (!('value' in reference)) continue;
        expect(typed(resolvePlainScalar(text)), text).toBe(typed((reference.value as { v: unknown }).v));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1500);
  });
});

describe('the block reader reads what js-yaml reads, the same way', () => {
  const readTable: string[] = [
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: s0\n  namespace: ns0\nspec:\n  selector:\n    app: a0\n  ports:\n    - name: http\n      port: 80\n',
    '---\n# a comment\napiVersion: v1\nkind: Service\n',
    '--- # marker comment\na: 1\n',
    '# leading comment\n\n---\na: b\n',
    'ports:\n- port: 80\n  name: http\n- port: 443\nname: x\n',
    'a:\n  - x\n  # between items\n  - y\n',
    'a: b\n   # a deeper comment\nd: e\n',
    'a:\n  b: c\n    # deeper\n  d: e\n',
    'a: 1\n  # comment\nb: 2\n',
    'list:\n  - a\n    # c\n  - b\n',
    'a: "x" # c\nb: \'it\'\'s\'\nc: ""\nd: \'\'\n',
    'a: []\nb: {}\nc: [] # empty\n',
    'items:\n- a: 1\n  b: 2\n- c\n',
    'a:\n  - x\nb: 1\n',
    'a:\nb: ~\nc: null\nd: Null\n',
    'v: yes\nw: No\nx: ON\nu: off\nz: n\n',
    'a: 010\nb: 0o10\nc: 0x1F\nd: 0b101\ne: 1_000\nf: -12\ng: +7\nh: 0\ni: -0\n',
    'a: 1.5\nb: .inf\nc: -.Inf\nd: .nan\ne: 1e3\nf: 1_0.5\n',
    'a: 12:30:45\nb: 2001-12-14\nc: 10.96.0.10\nd: fd00::1\ne: a#b\nf: x :y\ng: -x\ni: :x\n',
    'a: b #c\nb: c   \n',
    'labels:\n  app.kubernetes.io/name: web\n  a-b_c.d: "1"\n',
    'a:\n  b:\n    c:\n      d:\n      - x\n',
    'a:\n   b: 1\n   c:\n       - 1\n       - 2\n',
    'toString: 1\nconstructor: 2\nhasOwnProperty: 3\n',
  ];
  it.each(readTable)('reads %j as js-yaml does', (text) => {
    expect(readBlockDocument(text)).not.toBe(NOT_READ);
    expect(agrees(text)).toBe(true);
  });

  // Outside the reader's shape: js-yaml reads these (or reports their error).
  const declineTable: string[] = [
    'a: |\n  text\n', 'a: >-\n  text\n', 'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: [1, 2]\n', 'a: {b: 1}\n',
    'a: "x\\ty"\n', 'a: "multi\n  line"\n', 'a: plain\n  continued\n', 'a: b\n\n  c\n',
    'y: 1\n', '1: a\n', 'null: a\n', 'on: x\n', '"quoted": 1\n', 'a b: 1\n', '<<: {}\n', '__proto__: 1\n',
    'a: 1\na: 2\n', '- a\n- b\n', 'scalar\n', '  a: 1\n  b: 2\n', 'a:\n  b: 1\n c: 2\n', 'a: b\n# c\n  d\n',
    'a:\tb\n', 'a: b\r\n', 'a: é\n', '\ufeffa: 1\n', 'a: -\n', 'a: b: c\n', 'a: x:\n', 'a: - b\n', 'a: "x"y\n', 'a: "x"#c\n',
    '--- a: 1\n', 'l:\n- - a\n', 'a: @x\n', 'a: ?x\n', 'a: `x\n', 'a: %x\n', 'a: ,x\n', 'a:b\n', 'a :b\n', '',
    '# only a comment\n', 'a:\n-\n- b\n', 'k:\n  -\n    x: 1\n', 'a:\n - # c\n   x: 1\n', 'a: 1\n- b\n', 'a:\n  - x\n  b: 1\n',
  ];
  it.each(declineTable)('leaves %j to js-yaml', (text) => {
    expect(readBlockDocument(text)).toBe(NOT_READ);
  });

  it('packs the outlines of a file\'s documents into one buffer; a declined document leaves nothing in it', () => {
    const texts = ['a: 1\nb:\n  - x\n', 'a: |\n  block\n', 'c:\n  d: e # note\n', 'a:\n  b: 1\n c: 2\n', 'k: v\n'];
    const marks = new OutlineMarks();
    const read: Array<[string, number]> = [];
    for (const text of texts) {
      const before = marks.length;
      const keysBefore = marks.keys.length;
      const result = readBlockDocument(text, marks);
      if (result === NOT_READ) expect([marks.length, marks.keys.length]).toEqual([before, keysBefore]);
      else read.push([text, result.outlineAt]);
    }
    expect(read.map(([text]) => text)).toEqual([texts[0], texts[2], texts[4]]);
    for (const [text, at] of read) expect(shapeOf({ marks, at })).toEqual(shapeOf(outlineDocument(text, new OutlineMarks())!));
    // Past the buffer's first size: it grows and keeps what it held.
    const many = Array.from({ length: 600 }, (_, i) => `name: s${i}\nspec:\n  ports:\n  - port: ${i}\n    name: p\n  selector:\n    app: a${i}\n`);
    const at = many.map((text) => (readBlockDocument(text, marks) as { outlineAt: number }).outlineAt);
    expect(marks.length).toBeGreaterThan(4096);
    for (const i of [0, 1, 299, 599]) expect(shapeOf({ marks, at: at[i] })).toEqual(shapeOf(outlineDocument(many[i], new OutlineMarks())!));
    for (const [text, first] of read) expect(shapeOf({ marks, at: first })).toEqual(shapeOf(outlineDocument(text, new OutlineMarks())!));
  });

  // Generated documents: a random tree printed in one of several layouts, then sometimes bent
  // (a line re-indented, a line inserted) so that near misses and errors are tried too.
  const safeKeys = ['a', 'b', 'name', 'port', 'spec', 'app.kubernetes.io/name', 'a-b', '_x', 'k8s', 'x1'];
  const oddKeys = ['y', 'on', 'No', '1', '0x1', 'null', '~', '__proto__', 'x y', '"q"', 'a:b', '-a', '.a', '<<', 'toString'];
  const safeScalars = ['v1', 'Service', 'http', '80', '010', '0o10', '1_000', '-1', '+1', '1e3', '.5', '.inf', 'yes', 'No', 'off', '~', 'null', 'true',
    '2001-12-14', '12:30:45', 'a#b', 'a #b', '-x', ':x', '[]', '{}', '"dq"', '""', "'sq'", "'it''s'", '10.96.0.10', 'fd00::1', '-0', 'a  b'];
  const oddScalars = ['?x', 'a: b', '- a', '-', 'x:', '[a]', '{a: 1}', '&a x', '*a', '!!str 1', '|', '>', '"d\\"q"', '"open', "'open", '%x', '@x', '`x', ',x',
    'é', 'tab\tx', '"x"y', "'x'y", '? x', ': x', '#c'];
  // Distinct keys, except that a quarter of the mappings may repeat one (an error js-yaml reports).
  const entriesArb = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, maxLength: number, odd: boolean) => {
    const distinct = fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength, selector: ([k]) => k });
    return odd ? fc.oneof({ weight: 3, arbitrary: distinct }, { weight: 1, arbitrary: fc.array(fc.tuple(key, value), { minLength: 1, maxLength }) }) : distinct;
  };
  type Tree = string | { map: Array<[string, Tree]> } | { seq: Tree[] };
  // In the plain shape a list item is a scalar or a mapping; odd documents also nest lists in
  // lists ("-" alone on a line, which the reader leaves to js-yaml).
  const treeArb = (keys: string[], scalars: string[], odd: boolean) => fc.letrec<{ tree: Tree; map: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...scalars),
      tie('map'),
      fc.record({ seq: fc.array(odd ? tie('tree') : fc.oneof(fc.constantFrom(...scalars), tie('map')), { minLength: 1, maxLength: 3 }) }),
    ),
    map: fc.record({ map: entriesArb(fc.constantFrom(...keys), tie('tree'), 4, odd) }),
  })).tree;
  const rootArb = (keys: string[], scalars: string[], odd: boolean) =>
    entriesArb(fc.constantFrom(...keys), treeArb(keys, scalars, odd), 5, odd).map((map): Tree => ({ map }));
  const layoutArb = fc.record({
    step: fc.integer({ min: 1, max: 4 }),
    compactLists: fc.boolean(),
    comments: fc.boolean(),
    marker: fc.constantFrom('', '---\n', '--- # m\n', '# lead\n---\n'),
  });

  function print(tree: Tree, layout: { step: number; compactLists: boolean; comments: boolean }, random: () => number): string[] {
    const lines: string[] = [];
    const comment = (indent: number) => {
      if (layout.comments && random() < 0.2) lines.push(`${' '.repeat(Math.floor(random() * (indent + 4)))}# note`);
    };
    const trailing = () => (layout.comments && random() < 0.2 ? ' # t' : '');
    const node = (t: Tree, indent: number, prefix: string, inList: boolean): void => {
      if (typeof t === 'string') {
        lines.push(`${prefix}${t === '' ? '' : ' '}${t}${trailing()}`.replace(/^(\s*)- $/, '$1-'));
        return;
      }
      if ('map' in t) {
        t.map.forEach(([key, value], i) => {
          const head = i === 0 && inList ? prefix.slice(0, -1) + ' ' : `${' '.repeat(indent)}`;
          if (typeof value === 'string') {
            node(value, indent, `${head}${key}:`, false);
          } else {
            lines.push(`${head}${key}:${trailing()}`);
            comment(indent);
            const inner = 'seq' in value && layout.compactLists ? indent : indent + layout.step;
            node(value, inner, '', false);
          }
        });
        return;
      }
      t.seq.forEach((item) => {
        const dash = `${' '.repeat(indent)}-`;
        if (typeof item === 'string') {
          node(item, indent, dash, true);
        } else if ('map' in item) {
          node(item, indent + 2, `${dash} `, true);
        } else {
          lines.push(`${dash}${trailing()}`);
          node(item, indent + layout.step, '', false);
        }
        comment(indent);
      });
    };
    node(tree, 0, '', false);
    return lines;
  }

  function bend(lines: string[], random: () => number): string[] {
    const out = lines.slice();
    const at = Math.floor(random() * out.length);
    const kind = random();
    if (kind < 0.4) out[at] = ' '.repeat(Math.floor(random() * 3)) + out[at].trimStart();
    else if (kind < 0.7) out.splice(at, 0, `${' '.repeat(Math.floor(random() * 8))}${random() < 0.5 ? 'more' : 'k: v'}`);
    else out.splice(at, 0, '');
    return out;
  }

  const generated = (keys: string[], scalars: string[], bent: boolean) =>
    fc.tuple(rootArb(keys, scalars, keys.length > safeKeys.length || bent), layoutArb, fc.integer()).map(([tree, layout, seed]) => {
      let state = seed >>> 0;
      const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      let lines = print(tree, layout, random);
      if (bent) lines = bend(lines, random);
      return `${layout.marker}${lines.join('\n')}\n`;
    });

  it('reads every generated document of the plain shape, as js-yaml does', () => {
    fc.assert(fc.property(generated(safeKeys, safeScalars, false), (text) => {
      expect(agrees(text), text).toBe(true);
    }), { numRuns: 600 });
  });

  it('on any generated document, odd keys, odd scalars and bent layouts included, it declines or agrees', () => {
    let read = 0;
    let total = 0;
    fc.assert(fc.property(fc.oneof(generated([...safeKeys, ...oddKeys], [...safeScalars, ...oddScalars], false),
      generated(safeKeys, safeScalars, true), generated([...safeKeys, ...oddKeys], [...safeScalars, ...oddScalars], true)), (text) => {
      total++;
      const result = agrees(text);
      if (result !== undefined) read++;
      expect(result, text).not.toBe(false);
    }), { numRuns: 3000 });
    // The mix must exercise both answers, or the property says little.
    expect(read).toBeGreaterThan(total / 20);
    expect(read).toBeLessThan(total * 0.9);
  });
});
