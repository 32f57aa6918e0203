// Writes a changed document back into its own YAML text: the fields the run added or changed
// are spliced in at the outline's positions (outline-marks.ts) and every other byte (comments,
// key order, quoting, blank lines, flow style, line breaks) stays as it was. Added fields go at
// the end of their mapping, in the order the API server's types declare them (FIELD_ORDER), so
// every run writes them in the same place. Documents the outline cannot read go through the
// `yaml` library's Document API, which also keeps comments but is much slower (docs/benchmarks.md,
// "Measured costs behind the code"); what that route prints is read back and compared, and
// printed plain when it would not read back the same.
import { dump, loadAll } from 'js-yaml';
import type { Document } from 'yaml';
import { yamlLibrary } from './yaml-library.js';
import { LineIndex, outlineDocument } from './yaml-outline.js';
import {
  EMPTY_MARK, FLOW_ENTRY, FLOW_ITEM, FLOW_MAP_MARK, FLOW_SEQ_MARK, HEADER, KEEPING_LEAF_MARK, MAP_ENTRY, MAP_MARK, OutlineMarks, SEQ_ITEM, SEQ_MARK,
  nodeEnd, styleOfMarks, type MarkedOutline, type Style,
} from './outline-marks.js';
import { isPlainObject } from '../plain-data.js';
import { KUBECTL_SCHEMA, isPlainSafe } from './yaml-schema.js';
import { CarriageReturns, type DocumentText } from './document-text.js';

/** Keys a reader added to an object that its text does not hold (a typed list item's kind). */
export type AddedKeys = (object: object) => ReadonlySet<string> | undefined;

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key) || !sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

// ---- rendering new values ----

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  return quotedIfNeeded(String(value));
}

// YAML cannot hold these unescaped (DEL, C1 controls, U+2028/9 which YAML 1.1 reads as line
// breaks, U+FFFE/F); JSON.stringify leaves them raw.
const NOT_PRINTABLE = /[\x7f-\x9f\u2028\u2029\ufffe\uffff]/g;

// A JSON string, with those escaped too, is a YAML double-quoted scalar with the same value.
function quotedIfNeeded(text: string): string {
  if (isPlainSafe(text)) return text;
  return JSON.stringify(text).replace(NOT_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const keyText = quotedIfNeeded;
// A value written on its key's or dash's line: a scalar, [] or {}; undefined when it needs lines of its own.
function inlineText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (isPlainObject(value)) return Object.keys(value).length === 0 ? '{}' : undefined;
  return scalarText(value);
}

const PADS = Array.from({ length: 33 }, (_, n) => ' '.repeat(n));
const padOf = (indent: number) => PADS[indent] ?? ' '.repeat(indent);

function appendEntryLines(out: string[], key: string, value: unknown, indent: number, style: Style): void {
  const pad = padOf(indent);
  const text = inlineText(value);
  if (text !== undefined) {
    out.push(`${pad}${keyText(key)}: ${text}`);
  } else if (Array.isArray(value)) {
    out.push(`${pad}${keyText(key)}:`);
    appendItemLines(out, value, style.compactSequences ? indent : indent + style.indentStep, style);
  } else {
    out.push(`${pad}${keyText(key)}:`);
    const map = value as Record<string, unknown>;
    for (const inner in map) appendEntryLines(out, inner, map[inner], indent + style.indentStep, style);
  }
}

function appendItemLines(out: string[], items: readonly unknown[], indent: number, style: Style): void {
  const pad = padOf(indent);
  for (const item of items) {
    const text = inlineText(item);
    if (text !== undefined) {
      out.push(`${pad}- ${text}`);
      continue;
    }
    // The item's first line shares the dash: "- name: http", continued two columns in.
    const first = out.length;
    if (Array.isArray(item)) appendItemLines(out, item, indent + 2, style);
    else for (const [key, value] of Object.entries(item as Record<string, unknown>)) appendEntryLines(out, key, value, indent + 2, style);
    out[first] = `${pad}- ${out[first].slice(indent + 2)}`;
  }
}

const entryLines = (key: string, value: unknown, indent: number, style: Style) => {
  const out: string[] = [];
  appendEntryLines(out, key, value, indent, style);
  return out;
};
const itemLines = (items: readonly unknown[], indent: number, style: Style) => {
  const out: string[] = [];
  appendItemLines(out, items, indent, style);
  return out;
};

// ---- where added fields go ----

// The fields of the objects the CLI writes, in the order the API server's Go types declare them
// (TypeMeta, ObjectMeta, ServiceSpec, ServicePort, ServiceStatus): one list serves them all, as
// the fields they share (name) come first in each. Fields added to a mapping are written at its
// end in this order, whatever order the run produced them in, so a rerun writes the same bytes.
const FIELD_ORDER = [
  'apiVersion', 'kind', 'metadata', 'spec', 'status',
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
  'ports', 'selector', 'clusterIP', 'clusterIPs', 'type', 'externalIPs', 'sessionAffinity', 'loadBalancerIP',
  'loadBalancerSourceRanges', 'externalName', 'externalTrafficPolicy', 'healthCheckNodePort', 'publishNotReadyAddresses',
  'sessionAffinityConfig', 'ipFamilies', 'ipFamilyPolicy', 'allocateLoadBalancerNodePorts', 'loadBalancerClass',
  'internalTrafficPolicy', 'trafficDistribution',
  'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort',
  'loadBalancer', 'conditions',
];
const FIELD_RANK = new Map(FIELD_ORDER.map((field, i) => [field, i]));

/** The keys in FIELD_ORDER's order; keys it does not know follow in their own order. */
export function inFieldOrder(keys: string[]): string[] {
  const rank = (key: string) => FIELD_RANK.get(key) ?? FIELD_ORDER.length;
  return keys.map((key, i) => ({ key, i })).sort((a, b) => rank(a.key) - rank(b.key) || a.i - b.i).map(({ key }) => key);
}

// ---- flow text ----

// A string written plain in a flow collection only when nothing in it can end or open a node.
const FLOW_PLAIN = /^[A-Za-z_][A-Za-z0-9._/-]*$/;

/** A value as flow text: JSON-quoted strings where the collection quotes its keys, or where plain would misread. */
function flowText(value: unknown, quoted: boolean): string {
  if (Array.isArray(value)) return `[${value.map((item) => flowText(item, quoted)).join(', ')}]`;
  if (isPlainObject(value)) return `{${Object.entries(value).map(([key, inner]) => `${flowText(key, quoted)}: ${flowText(inner, quoted)}`).join(', ')}}`;
  if (typeof value === 'string') {
    return !quoted && FLOW_PLAIN.test(value) && isPlainSafe(value) ? value : JSON.stringify(value).replace(NOT_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  return scalarText(value);
}

// ---- planning edits on the outline ----

/** A change to the text: `insert` in place of from..to (offsets); `depth` orders two at one place. */
interface Span {
  from: number;
  to: number;
  insert: string;
  depth: number;
}

class CannotEdit extends Error {}

// The outline agrees with the value everywhere: same keys in every mapping, same length of every
// list, null where the text holds nothing. Positions can then be trusted. (The block reader's
// outline needs no check: one reading gave the outline and the value.)
function sameShape(values: Int32Array, keys: readonly string[], at: number, value: unknown, addedKeys: AddedKeys): boolean {
  const kind = values[at];
  if (kind === EMPTY_MARK) return value === null;
  if (kind === SEQ_MARK || kind === FLOW_SEQ_MARK) {
    const count = values[at + 2];
    if (!Array.isArray(value) || value.length !== count) return false;
    const step = kind === SEQ_MARK ? SEQ_ITEM : FLOW_ITEM;
    let item = at + HEADER;
    for (let i = 0; i < count; i++) {
      if (!sameShape(values, keys, item + step, value[i], addedKeys)) return false;
      item = nodeEnd(values, item + step);
    }
    return true;
  }
  if (kind === MAP_MARK || kind === FLOW_MAP_MARK) {
    if (!isPlainObject(value)) return false;
    const count = values[at + 2];
    const added = addedKeys(value);
    let keyCount = 0;
    for (const key in value) if (Object.hasOwn(value, key) && !added?.has(key)) keyCount++;
    if (keyCount !== count) return false;
    const step = kind === MAP_MARK ? MAP_ENTRY : FLOW_ENTRY;
    const seen = new Set<string>();
    let entry = at + HEADER;
    for (let i = 0; i < count; i++) {
      const key = keys[values[entry]];
      // Same count and every key present: a repeated outline key would hide a missing one.
      if (!Object.hasOwn(value, key) || added?.has(key) || seen.has(key)) return false;
      seen.add(key);
      if (!sameShape(values, keys, entry + step, value[key], addedKeys)) return false;
      entry = nodeEnd(values, entry + step);
    }
    return true;
  }
  return true;
}

// Plans on the packed outline (outline-marks.ts); `at` is always the index of a node's first mark.
class EditPlanner {
  readonly spans: Span[] = [];
  // Whether the spans were planned in text order (inner first at one place): then no sort.
  private ordered = true;
  private readonly values: Int32Array;
  private readonly keys: readonly string[];
  private style: Style | undefined;

  constructor(private readonly text: LineIndex, private readonly outline: MarkedOutline, private readonly addedKeys: AddedKeys) {
    this.values = outline.marks.values;
    this.keys = outline.marks.keys;
  }

  // Spans turning `before` (what the node holds) into `after`; false when this node cannot be
  // edited in place and its parent must replace it whole.
  plan(at: number, before: unknown, after: unknown, depth: number): boolean {
    if (sameValue(before, after)) return true;
    const { values } = this;
    const kind = values[at];
    if ((kind === MAP_MARK || kind === FLOW_MAP_MARK) && isPlainObject(before) && isPlainObject(after)) {
      // A mapping that gives up is replaced whole by its parent: drop what it planned inside.
      const planned = this.spans.length;
      const ordered = this.ordered;
      if (kind === MAP_MARK ? this.planMap(at, before, after, depth) : this.planFlowMap(at, before, after, depth)) return true;
      this.spans.length = planned;
      this.ordered = ordered;
      return false;
    }
    if ((kind === SEQ_MARK || kind === FLOW_SEQ_MARK) && Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      const block = kind === SEQ_MARK;
      const column = values[at + 1];
      const count = values[at + 2];
      let item = at + HEADER;
      for (let i = 0; i < count; i++) {
        const value = item + (block ? SEQ_ITEM : FLOW_ITEM);
        if (!this.plan(value, before[i], after[i], depth + 1)) {
          if (block) this.replaceItem(values[item], column, values[item + 1], after[i], depth + 1);
          else this.push(values[item], values[item + 1], flowText(after[i], this.quotesFlowKeys(at)), depth + 1);
        }
        item = nodeEnd(values, value);
      }
      return true;
    }
    return false;
  }

  private additions(before: Record<string, unknown>, after: Record<string, unknown>): string[] | undefined {
    const added = this.addedKeys(before);
    let additions: string[] | undefined;
    for (const key in after) {
      if (Object.hasOwn(after, key) && !Object.hasOwn(before, key) && !added?.has(key)) (additions ??= []).push(key);
    }
    return additions && inFieldOrder(additions);
  }

  private planMap(at: number, before: Record<string, unknown>, after: Record<string, unknown>, depth: number): boolean {
    const { values, keys } = this;
    const additions = this.additions(before, after);
    const column = values[at + 1];
    const count = values[at + 2];
    // The last line of the last entry that stays, and whether it is a block scalar keeping its trailing lines.
    let lastKeptEnd = -1;
    let lastKeptKeeps = false;
    let entry = at + HEADER;
    for (let i = 0; i < count; i++) {
      const key = keys[values[entry]];
      const line = values[entry + 1];
      const endLine = values[entry + 2];
      const value = entry + MAP_ENTRY;
      entry = nodeEnd(values, value);
      if (Object.hasOwn(after, key)) {
        lastKeptEnd = endLine;
        lastKeptKeeps = values[value] === KEEPING_LEAF_MARK;
        if (!this.plan(value, before[key], after[key], depth + 1)) this.replaceEntry(key, line, column, endLine, after[key], depth + 1);
        continue;
      }
      // A list item's first key shares the "- " line: removing it needs the item rewritten.
      if (column !== this.text.indent(line)) return false;
      this.removeLines(line, endLine, depth);
    }
    // Removing every entry would leave "key:" (null), not an empty mapping; the parent rewrites it.
    if (lastKeptEnd === -1) return false;
    if (additions !== undefined) {
      // After the last entry that stays: what follows a removed one goes with it. Lines after a
      // keep-chomped block scalar (|+) belong to it.
      if (lastKeptKeeps) throw new CannotEdit();
      const lines: string[] = [];
      for (const key of additions) appendEntryLines(lines, key, after[key], column, this.styleOf());
      const end = this.text.end(lastKeptEnd);
      this.push(end, end, `\n${lines.join('\n')}`, depth);
    }
    return true;
  }

  // Whether a flow collection's first key (or, for a list, its first mapping's) is double-quoted: JSON style.
  private quotesFlowKeys(at: number): boolean {
    const { values } = this;
    const kind = values[at];
    if (kind === FLOW_MAP_MARK) return values[at + 2] > 0 && this.text.text.charCodeAt(values[at + HEADER + 1]) === 34;
    if (kind === FLOW_SEQ_MARK && values[at + 2] > 0) return this.quotesFlowKeys(at + HEADER + FLOW_ITEM);
    return false;
  }

  // In a flow mapping: values changed in place, additions before its "}" after the last entry,
  // separated as its entries are. A removal gives up (the parent rewrites the mapping).
  private planFlowMap(at: number, before: Record<string, unknown>, after: Record<string, unknown>, depth: number): boolean {
    const { values, keys } = this;
    const source = this.text.text;
    const quoted = this.quotesFlowKeys(at);
    const count = values[at + 2];
    let entry = at + HEADER;
    let lastValueTo = -1;
    let separator = ', ';
    let previousValueTo = -1;
    for (let i = 0; i < count; i++) {
      const key = keys[values[entry]];
      const keyFrom = values[entry + 1];
      const valueFrom = values[entry + 2];
      const valueTo = values[entry + 3];
      const value = entry + FLOW_ENTRY;
      entry = nodeEnd(values, value);
      if (!Object.hasOwn(after, key)) return false;
      if (previousValueTo !== -1) {
        const between = source.slice(previousValueTo, keyFrom);
        if (/^\s*,\s*$/.test(between)) separator = between;
      }
      previousValueTo = valueTo;
      lastValueTo = valueTo;
      if (!this.plan(value, before[key], after[key], depth + 1)) this.push(valueFrom, valueTo, flowText(after[key], quoted), depth + 1);
    }
    const additions = this.additions(before, after);
    if (additions !== undefined) {
      const entries = additions.map((key) => `${flowText(key, quoted)}: ${flowText(after[key], quoted)}`);
      if (lastValueTo === -1) {
        const close = values[at + 1];
        this.push(close, close, entries.join(', '), depth);
      } else {
        this.push(lastValueTo, lastValueTo, separator + entries.join(separator), depth);
      }
    }
    return true;
  }

  private styleOf(): Style {
    return (this.style ??= styleOfMarks(this.outline));
  }

  private replaceEntry(key: string, line: number, column: number, endLine: number, value: unknown, depth: number): void {
    const lines = entryLines(key, value, column, this.styleOf());
    lines[0] = lines[0].slice(column);
    this.push(this.text.start(line) + column, this.text.end(endLine), lines.join('\n'), depth);
  }

  private replaceItem(line: number, column: number, endLine: number, value: unknown, depth: number): void {
    const lines = itemLines([value], column, this.styleOf());
    lines[0] = lines[0].slice(column);
    this.push(this.text.start(line) + column, this.text.end(endLine), lines.join('\n'), depth);
  }

  // Removed lines take their line break along (the one before them on the last line).
  private removeLines(first: number, last: number, depth: number): void {
    const { text } = this;
    if (last + 1 < text.lineCount) this.push(text.start(first), text.start(last + 1), '', depth);
    else this.push(Math.max(0, text.start(first) - 1), text.end(last), '', depth);
  }

  private push(from: number, to: number, insert: string, depth: number): void {
    const previous = this.spans.length > 0 ? this.spans[this.spans.length - 1] : undefined;
    if (previous && (from < previous.from || (from === previous.from && depth > previous.depth))) this.ordered = false;
    this.spans.push({ from, to, insert, depth });
  }

  /**
   * The document's bytes with the spans applied, left to right. Two additions at one place (a
   * list item's mapping ending where its parent mapping ends) go inner first: they belong inside
   * it. The spans' offsets are the "\n" text's; a "\r\n" document gets them mapped back, and its
   * own line break in what is inserted.
   */
  apply(document: DocumentText): string {
    const { spans } = this;
    if (spans.length === 0) return document.original;
    if (!this.ordered) spans.sort((a, b) => a.from - b.from || b.depth - a.depth);
    const { returns, original: source } = document;
    const offset = returns ? (n: number) => returns.originalOffset(n) : (n: number) => n;
    const lineBreak = returns ? CarriageReturns.dominant(source) : '\n';
    let out = '';
    let at = 0;
    for (const span of spans) {
      const from = offset(span.from);
      out += source.slice(at, from) + (lineBreak === '\n' ? span.insert : span.insert.replaceAll('\n', lineBreak));
      at = offset(span.to);
    }
    return out + source.slice(at);
  }
}

/**
 * The document's bytes with `after`'s changes from `before` spliced in, or undefined when the
 * outline route cannot do it.
 */
export function spliceChanges(document: DocumentText, before: unknown, after: unknown, addedKeys: AddedKeys): string | undefined {
  let outline = document.outline;
  if (outline === undefined) {
    outline = outlineDocument(document.text, new OutlineMarks());
    if (!outline || !sameShape(outline.marks.values, outline.marks.keys, outline.at, before, addedKeys)) return undefined;
  }
  const planner = new EditPlanner(new LineIndex(document.text), outline, addedKeys);
  try {
    if (!planner.plan(outline.at, before, after, 0)) return undefined;
  } catch (error) {
    if (error instanceof CannotEdit) return undefined;
    throw error;
  }
  return planner.apply(document);
}

// ---- the Document API route ----

type Path = Array<string | number>;
type Change = { path: Path; value: unknown } | { path: Path; remove: true };

function changesBetween(before: unknown, after: unknown, path: Path, out: Change[]): void {
  if (sameValue(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) out.push({ path: [...path, key], remove: true });
    for (const key of Object.keys(after)) changesBetween(before[key], after[key], [...path, key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    after.forEach((item, i) => changesBetween(before[i], item, [...path, i], out));
    return;
  }
  out.push({ path, value: after });
}

function readsBackAs(text: string, expected: unknown): boolean {
  try {
    const docs = loadAll(text, undefined, { schema: KUBECTL_SCHEMA }).filter((doc) => doc !== null && doc !== undefined);
    return docs.length === 1 && sameValue(docs[0], expected);
  } catch {
    return false;
  }
}

/** The document printed on its own: block style, strings quoted where kubectl would misread them. */
export function printDocument(value: unknown): string {
  return dump(value, { schema: KUBECTL_SCHEMA, lineWidth: -1, noRefs: true });
}

function editWithDocumentAPI(text: string, before: unknown, after: unknown): string | undefined {
  const { parseAllDocuments, isMap, isSeq } = yamlLibrary();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { version: '1.1' }) as Document.Parsed[];
  } catch {
    return undefined;
  }
  const content = docs.filter((doc) => doc.contents !== null);
  if (!Array.isArray(docs) || content.length !== 1 || docs.some((doc) => doc.errors.length > 0)) return undefined;
  const doc = content[0];
  if (!isMap(doc.contents) && !isSeq(doc.contents)) return undefined;
  const changes: Change[] = [];
  changesBetween(before, after, [], changes);
  for (const change of changes) {
    if (change.path.length === 0) return undefined;
    if ('remove' in change) doc.deleteIn(change.path);
    else doc.setIn(change.path, doc.createNode(change.value));
  }
  return docs.map((d) => d.toString({ lineWidth: 0 })).join('');
}

/**
 * The document's bytes with `after` written in their style: unchanged when nothing changed, the
 * spliced bytes when the outline can be read, the Document API's edit when that reads back as
 * `after`, else `after` printed on its own (comments lost). The bytes around it come along.
 */
export function rewriteDocument(document: DocumentText, before: unknown, after: unknown, addedKeys: AddedKeys): string {
  return document.before + rewrittenOwnBytes(document, before, after, addedKeys) + document.after;
}

function rewrittenOwnBytes(document: DocumentText, before: unknown, after: unknown, addedKeys: AddedKeys): string {
  if (sameValue(before, after)) return document.original;
  const spliced = spliceChanges(document, before, after, addedKeys);
  if (spliced !== undefined) return spliced;
  const lineBreak = CarriageReturns.dominant(document.original);
  const withBreaks = (text: string) => (lineBreak === '\n' ? text : text.replaceAll('\n', lineBreak));
  const edited = editWithDocumentAPI(document.text, before, after);
  if (edited !== undefined && readsBackAs(edited, after)) return withBreaks(edited);
  return withBreaks(printDocument(after));
}
