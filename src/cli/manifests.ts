// Reading and writing manifests: multi-document YAML read as kubectl reads it (yaml-schema.ts),
// or JSON. Each YAML document remembers its own text, so `allocate -o yaml` can give it back
// unchanged, or with only the allocated fields added (yaml-edit.ts).
import { load, loadAll, YAMLException } from 'js-yaml';
import { InputError } from './cli-errors.js';
import { yamlLibrary } from './yaml-library.js';
import { printDocument, rewriteDocument, type AddedKeys } from './yaml-edit.js';
import { KUBECTL_SCHEMA } from './yaml-schema.js';
import { NOT_READ, hasOnlyReaderCharacters, readBlockDocument } from './yaml-block-reader.js';
import { OutlineMarks } from './outline-marks.js';
import { MAX_NESTING, deepestNesting, hasExcessiveAliasing } from './yaml-bounds.js';

interface DocumentSource {
  /** The document's text, with the comments and markers of empty documents before it. */
  text: string;
  /** Its outline's marks, when the block reader read it and `text` is exactly what it read. */
  outlines: OutlineMarks | undefined;
  outlineAt: number;
}

const sources = new WeakMap<object, DocumentSource>();

const DOCUMENT_START = /^---(?=[ \t]|$)/gm;
// Directives and "..." end markers change how the next document reads, and "\r" how lines split:
// such files are read whole, and their documents printed afresh when written.
const WHOLE_FILE_ONLY = /^%|^\.\.\.(?:[ \t]|$)|\r/m;

// One document: the block reader's value and where its outline starts, or js-yaml's value.
function loadOne(text: string, source: string, firstLine: number, outlines: OutlineMarks, charactersChecked: boolean): { value: unknown; outlineAt?: number } {
  const simple = readBlockDocument(text, outlines, charactersChecked);
  if (simple !== NOT_READ) return simple;
  return { value: loadBounded(text, source, firstLine, false)[0] };
}

// js-yaml within kubectl's limits: nesting checked before it recurses, aliasing after (js-yaml
// itself shares an anchored node instead of copying it, so the cost comes later, in whoever walks it).
function loadBounded(text: string, source: string, firstLine: number, many: boolean): unknown[] {
  const deep = deepestNesting(text);
  if (deep) throw new InputError(`${source}:${firstLine + deep.line}:${deep.column}: exceeded max depth of ${MAX_NESTING}`);
  let values: unknown[];
  try {
    values = many ? loadAll(text, undefined, { schema: KUBECTL_SCHEMA }) : [load(text, { schema: KUBECTL_SCHEMA })];
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(`${source}:${firstLine + 1}: exceeded max depth (the YAML nests too deeply to read)`);
    if (!(error instanceof YAMLException)) throw error;
    const mark = (error as YAMLException & { mark?: { line: number; column: number } }).mark;
    const where = mark ? `:${firstLine + mark.line + 1}:${mark.column + 1}` : '';
    throw new InputError(`${source}${where}: ${error.reason}`);
  }
  for (const value of values) {
    if (hasExcessiveAliasing(value)) throw new InputError(`${source}:${firstLine + 1}: document contains excessive aliasing`);
  }
  return values;
}

/** The documents of a YAML text, in order; empty documents are left out. */
export function readManifests(text: string, source: string): unknown[] {
  if (WHOLE_FILE_ONLY.test(text)) {
    return loadBounded(text, source, 0, true).filter((doc) => doc !== null && doc !== undefined);
  }
  const starts = [0];
  for (const match of text.matchAll(DOCUMENT_START)) if (match.index !== 0) starts.push(match.index);
  const docs: unknown[] = [];
  const outlines = new OutlineMarks();
  const charactersChecked = hasOnlyReaderCharacters(text);
  let pending = '';
  let line = 0;
  for (let i = 0; i < starts.length; i++) {
    const chunk = text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length);
    const { value, outlineAt } = loadOne(chunk, source, line, outlines, charactersChecked);
    line += countLines(chunk);
    if (value === null || value === undefined) {
      pending += chunk;
      continue;
    }
    docs.push(value);
    // The outline's lines are the chunk's: kept only when nothing comes before it.
    if (typeof value === 'object') {
      sources.set(value, pending === '' && outlineAt !== undefined ? { text: chunk, outlines, outlineAt } : { text: pending + chunk, outlines: undefined, outlineAt: -1 });
    }
    pending = '';
  }
  // Comments after the last document stay with it (and its text is no longer what was outlined).
  const last = docs[docs.length - 1];
  const lastSource = typeof last === 'object' && last !== null ? sources.get(last) : undefined;
  if (pending !== '' && lastSource) {
    lastSource.text += pending;
    lastSource.outlines = undefined;
  }
  return docs;
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

export type OutputFormat = 'text' | 'json' | 'yaml';

/** A command's result as data: indented JSON, or YAML 1.1 (the same data, for -o yaml). */
export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : yamlLibrary().stringify(data, { version: '1.1' });
}

// Whether a document's text opens with "---" before its content.
function opensWithMarker(text: string): boolean {
  let at = 0;
  while (at < text.length) {
    let c = at;
    while (text.charCodeAt(c) === 32 || text.charCodeAt(c) === 9) c++;
    const code = text.charCodeAt(c);
    if (code !== 10 && code !== 35 && c < text.length) return /^---(?:[ \t]|\n|$)/.test(text.slice(at, at + 4));
    const end = text.indexOf('\n', c);
    if (end === -1) return false;
    at = end + 1;
  }
  return false;
}

/**
 * The documents as JSON (one object, or a List of them) or as YAML. In YAML, a document read from
 * YAML (`inputs[i]` is what was read for `docs[i]`) keeps its text: unchanged, or with only the
 * changed fields rewritten; others are printed afresh.
 */
export function writeManifests(docs: readonly unknown[], format: 'yaml' | 'json', inputs: readonly unknown[] = [], addedKeys: AddedKeys = () => undefined): string {
  if (format === 'json') {
    const value = docs.length === 1 ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs };
    return JSON.stringify(value, null, 2) + '\n';
  }
  let out = '';
  docs.forEach((doc, i) => {
    const input = inputs[i];
    const source = typeof input === 'object' && input !== null ? sources.get(input) : undefined;
    const read = source?.outlines ? { marks: source.outlines, at: source.outlineAt } : undefined;
    let text = source ? rewriteDocument(source.text, input, doc, addedKeys, read) : printDocument(doc);
    if (!text.endsWith('\n')) text += '\n';
    out += i > 0 && !opensWithMarker(text) ? `---\n${text}` : text;
  });
  return out;
}
