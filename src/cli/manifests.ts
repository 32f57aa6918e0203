// Reading and writing manifests: multi-document YAML read as kubectl reads it (yaml-schema.ts),
// or JSON. Each YAML document is read with its own bytes and outline (document-text.ts), so
// `allocate -o yaml` gives it back unchanged, or with only the allocated fields added (yaml-edit.ts).
import { load, loadAll, YAMLException } from 'js-yaml';
import { InputError } from './cli-errors.js';
import { yamlLibrary } from './yaml-library.js';
import { printDocument, rewriteDocument } from './yaml-edit.js';
import { KUBECTL_SCHEMA } from './yaml-schema.js';
import { BlockReader, NOT_READ, hasOnlyReaderCharacters } from './yaml-block-reader.js';
import { OutlineMarks, type MarkedOutline } from './outline-marks.js';
import { CarriageReturns, type DocumentText } from './document-text.js';
import { MAX_NESTING, deepestNesting, hasExcessiveAliasing } from './yaml-bounds.js';

/** A document as read: its value, and for YAML where its bytes are. */
export interface ReadDocument {
  value: unknown;
  /** Undefined for JSON input (written afresh as YAML). */
  text: DocumentText | undefined;
  /** Keys the reader gave objects of the value that its text lacks (a typed list item's kind and apiVersion). */
  addedKeys: Map<object, ReadonlySet<string>> | undefined;
}

// A "---" line opens a document, a "..." line ends one (in a "\r\n" file too).
const DOCUMENT_START = /^---(?=[ \t\r\n]|$)/gm;
const DOCUMENT_END = /^\.\.\.(?=[ \t\r\n]|$)/m;
// Directives change how the next document reads, and a lone "\r" how lines split: such files are
// read whole by js-yaml, and their documents printed afresh when written.
const WHOLE_FILE_ONLY = /^%|\r(?!\n)/m;
const ONLY_COMMENTS = /^(?:[ \t]*(?:#.*)?(?:\r?\n|$))*$/;

// One document: the block reader's value and outline, or js-yaml's value.
function loadOne(text: string, source: string, firstLine: number, reader: BlockReader, charactersChecked: boolean, marks: OutlineMarks): { value: unknown; outline: MarkedOutline | undefined } {
  const simple = reader.read(text, charactersChecked);
  if (simple !== NOT_READ) return { value: simple.value, outline: { marks, at: simple.outlineAt } };
  return { value: loadBounded(text, source, firstLine, false)[0], outline: undefined };
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

/**
 * The documents of a YAML file, in order, each with its bytes; empty and comment-only documents
 * are left out, their bytes kept with the next document (or the last one). A byte order mark,
 * "\r\n" line breaks and "..." end markers are read as YAML reads them and kept as they are.
 */
export function readManifests(file: string, source: string): ReadDocument[] {
  const bom = file.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const body = bom === '' ? file : file.slice(1);
  if (WHOLE_FILE_ONLY.test(body)) return readWhole(body, source);
  const starts = [0];
  for (const match of body.matchAll(DOCUMENT_START)) if (match.index !== 0) starts.push(match.index);
  const docs: ReadDocument[] = [];
  const marks = new OutlineMarks();
  const reader = new BlockReader(marks);
  const charactersChecked = hasOnlyReaderCharacters(body);
  let pending = bom;
  let line = 0;
  for (let i = 0; i < starts.length; i++) {
    const chunk = body.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : body.length);
    // A "..." line ends the document; only comments may follow it before the next "---".
    const end = DOCUMENT_END.exec(chunk);
    const original = end ? chunk.slice(0, end.index) : chunk;
    const after = end ? chunk.slice(end.index) : '';
    if (end && !ONLY_COMMENTS.test(after.slice(after.indexOf('\n') + 1 || after.length))) return readWhole(body, source);
    const { text, returns } = CarriageReturns.takeOut(original);
    const { value, outline } = loadOne(text, source, line, reader, charactersChecked, marks);
    line += countLines(chunk);
    if (value === null || value === undefined) {
      pending += chunk;
      continue;
    }
    docs.push({ value, text: { before: pending, text, original, after, returns, outline }, addedKeys: undefined });
    pending = '';
  }
  // What follows the last document (comments, a closing "---") stays with it.
  const last = docs[docs.length - 1];
  if (pending !== '' && last?.text) last.text = { ...last.text, after: last.text.after + pending };
  return docs;
}

// js-yaml reads the file; its documents are printed afresh when written.
function readWhole(body: string, source: string): ReadDocument[] {
  return loadBounded(body.replaceAll('\r\n', '\n'), source, 0, true)
    .filter((value) => value !== null && value !== undefined)
    .map((value) => ({ value, text: undefined, addedKeys: undefined }));
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

// Whether a document's bytes open with "---" before their content (comment lines may come first).
function opensWithMarker(text: string): boolean {
  let at = 0;
  while (at < text.length) {
    let c = at;
    while (text.charCodeAt(c) === 32 || text.charCodeAt(c) === 9 || text.charCodeAt(c) === 0xfeff) c++;
    const code = text.charCodeAt(c);
    if (code !== 10 && code !== 13 && code !== 35 && c < text.length) return /^---(?:[ \t\r\n]|$)/.test(text.slice(c, c + 4));
    const end = text.indexOf('\n', c);
    if (end === -1) return false;
    at = end + 1;
  }
  return false;
}

/**
 * The documents as JSON (one object, or a List of them) or as YAML. In YAML, a document read from
 * YAML (`inputs[i]` is what was read for `docs[i]`) gives back its bytes: unchanged, or with only
 * the changed fields rewritten, so the documents of one file written in order are that file
 * again. Others are printed afresh, after a "---".
 */
export function writeManifests(docs: readonly unknown[], format: 'yaml' | 'json', inputs: ReadonlyArray<ReadDocument | undefined> = []): string {
  if (format === 'json') {
    const value = docs.length === 1 ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs };
    return JSON.stringify(value, null, 2) + '\n';
  }
  let out = '';
  let lineBreak = '\n';
  let endsLine = true;
  docs.forEach((doc, i) => {
    const input = inputs[i];
    // A document printed afresh takes the line breaks of the one before it.
    const printed = input?.text ? undefined : printDocument(doc);
    const text = printed === undefined ? rewriteDocument(input!.text!, input!.value, doc, (object) => input!.addedKeys?.get(object))
      : lineBreak === '\n' ? printed : printed.replaceAll('\n', lineBreak);
    if (i > 0) {
      // (Whether the text so far ends a line is asked of the last piece: asked of `out`, a string
      // built by +=, V8 flattens all of it every time, and a large file's write turns quadratic.)
      if (!endsLine) out += lineBreak;
      if (!opensWithMarker(text)) out += `---${lineBreak}`;
    }
    if (input?.text) lineBreak = input.text.returns ? '\r\n' : '\n';
    out += text;
    endsLine = text === '' ? endsLine : text.endsWith('\n');
  });
  return out;
}
