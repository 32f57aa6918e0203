// A reader for the YAML that manifests are nearly always written in — block mappings and
// sequences, one-line plain or quoted scalars, comments — faster than js-yaml, whose general
// parser was a large share of `allocate -o yaml` on big files (docs/benchmarks.md, "Measured
// costs behind the code").
//
// It never decides anything js-yaml would decide differently: it reads a document only when every
// line is in that narrow shape, and otherwise answers NOT_READ, and the caller hands the document
// to js-yaml (KUBECTL_SCHEMA), which also gives the errors. Plain scalars go through the same
// implicit types as KUBECTL_SCHEMA (resolvePlainScalar). Outside the shape, and so left to js-yaml:
// any character outside printable ASCII (tabs, "\r", non-ASCII text), anchors, aliases, tags,
// block scalars, flow collections other than [] and {}, escapes in double quotes, scalars spanning
// lines, keys that are quoted or read as another type ("y", "1", "null"), duplicate keys,
// `__proto__`, a root that is not a mapping, and any indentation that is not exactly a sibling's
// or an ancestor's. test/yaml-block-reader.test.ts checks it against js-yaml on generated text.
//
// It also gives the document's outline (yaml-outline.ts), the block structure by line that the
// writer splices into: the same reading yields both, so they cannot disagree, and the writer's
// own outline pass (a third of `-o yaml`'s write) is saved. The outline is packed as numbers in
// one Int32Array per file (outline-marks.ts), which is also what the writer plans on: as objects
// held from read to write, outlines cost the garbage collector more than the pass saved. The test
// checks it equals outlineDocument's on every document read.
import { resolvePlainScalar } from './yaml-schema.js';
import { isPlainKeyChar } from './yaml-outline.js';
import { EMPTY_MARK, LEAF_MARK, MAP_MARK, OutlineMarks, SEQ_MARK, grownMarks } from './outline-marks.js';
import { MAX_NESTING } from './yaml-bounds.js';

/** The reader's answer for a document outside its shape. */
export const NOT_READ: unique symbol = Symbol('not read');

export interface BlockDocument {
  value: Record<string, unknown>;
  /** Where the root mapping's outline starts in the marks. */
  outlineAt: number;
}

// Thrown (never an Error: no stack is captured) to give up on a document.
const GIVE_UP = { giveUp: true };

const SPACE = 32;
const NEWLINE = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;

const OUTSIDE_SHAPE_CHARACTER = /[^\n\x20-\x7e]/;

// The document being read, and the next content line (comment and blank lines skipped).
let text = '';
/** Where the next content line starts, or text.length at the end. */
let lineStart = 0;
/** Its indentation; -1 at the end of the text. */
let lineIndent = -1;
/** Its line number (from 0). */
let lineNumber = 0;
// The comment lines the last nextContentLine skipped, with their indentation: a comment deeper
// than a scalar's entry counts as part of the entry in the outline (as outlineDocument reads it).
let skippedComments = 0;
const skippedCommentLines: number[] = [];
const skippedCommentIndents: number[] = [];

// The outline, packed as it is read (outline-marks.ts has the layout).
const EMPTY_MARKS = new Int32Array(0);
// The buffer being written while a document is read (copied back into its OutlineMarks after).
let markValues = new Int32Array(0);
let markLength = 0;
let markKeys: string[] = [];
const NO_KEYS: string[] = [];

function mark(value: number): void {
  if (markLength === markValues.length) markValues = grownMarks(markValues);
  markValues[markLength++] = value;
}

// Out-parameter of the read functions: the last line of the value just read.
let readEndLine = 0;

// How many mappings and lists enclose the one being read: past MAX_NESTING the document goes to
// the js-yaml route, whose check reports where (yaml-bounds.ts).
let depth = 0;

/** Whether every character of the text is one the reader reads (a file is checked once, not per document). */
export function hasOnlyReaderCharacters(source: string): boolean {
  return !OUTSIDE_SHAPE_CHARACTER.test(source);
}

/**
 * The document's value and outline (packed into `into`), or NOT_READ when js-yaml must read it.
 * `charactersChecked`: hasOnlyReaderCharacters was true for a text holding this one.
 */
export function readBlockDocument(source: string, into: OutlineMarks = new OutlineMarks(), charactersChecked = false): BlockDocument | typeof NOT_READ {
  if (!charactersChecked && OUTSIDE_SHAPE_CHARACTER.test(source)) return NOT_READ;
  text = source;
  markValues = into.values;
  markLength = into.length;
  markKeys = into.keys;
  const outlineAt = into.length;
  const keysAt = markKeys.length;
  try {
    nextContentLine(0, 0);
    if (lineIndent === 0 && isDocumentMarker(lineStart)) {
      restOfLineIsEmpty(lineStart + 3);
      nextContentLine(lineEndAfter(lineStart), lineNumber + 1);
    }
    // A root that is not a mapping at the first column is rare in a manifest: js-yaml's.
    if (lineIndent !== 0 || isSequenceItem(lineStart)) return NOT_READ;
    const value = readMapping(0, lineStart);
    if (!atTextEnd()) return NOT_READ;
    into.length = markLength;
    return { value, outlineAt };
  } catch (error) {
    if (error === GIVE_UP) return NOT_READ;
    throw error;
  } finally {
    // The buffer may have grown (its first `into.length` values are the same). A declined
    // document's marks lie past `into.length`; its keys are dropped.
    if (into.length === outlineAt) into.keys.length = keysAt;
    into.values = markValues;
    depth = 0;
    markValues = EMPTY_MARKS;
    markKeys = NO_KEYS;
    text = '';
  }
}

function atTextEnd(): boolean {
  return lineIndent === -1;
}

// END past the text: reading past a string's end (NaN) makes V8 compile every read of it slower.
const END = -1;

function code(at: number): number {
  return at < text.length ? text.charCodeAt(at) : END;
}

function isLineEnd(c: number): boolean {
  return c === NEWLINE || c === END;
}

function isBreakOrSpace(c: number): boolean {
  return c === SPACE || isLineEnd(c);
}

function lineEndAfter(at: number): number {
  const end = text.indexOf('\n', at);
  return end === -1 ? text.length : end + 1;
}

/**
 * Moves to the first line at or after `from` (the start of line `fromLine`) that holds more than
 * a comment, noting the comment lines it skips.
 */
function nextContentLine(from: number, fromLine: number): void {
  let start = from;
  let line = fromLine;
  skippedComments = 0;
  while (start < text.length) {
    let at = start;
    while (code(at) === SPACE) at++;
    const c = code(at);
    if (c === NEWLINE || c === HASH) {
      if (c === HASH) {
        skippedCommentLines[skippedComments] = line;
        skippedCommentIndents[skippedComments++] = at - start;
      }
      start = lineEndAfter(at);
      line++;
      continue;
    }
    if (c === END) break;
    lineStart = start;
    lineIndent = at - start;
    lineNumber = line;
    return;
  }
  lineStart = text.length;
  lineIndent = -1;
  lineNumber = line;
}

/** The last line of a scalar on `line` for an entry at `column`: deeper comment lines after it count. */
function scalarEndLine(line: number, column: number): number {
  for (let i = skippedComments - 1; i >= 0; i--) {
    if (skippedCommentIndents[i] > column) return skippedCommentLines[i];
  }
  return line;
}

function isDocumentMarker(at: number): boolean {
  return code(at) === DASH && code(at + 1) === DASH && code(at + 2) === DASH && isBreakOrSpace(code(at + 3));
}

// "-" then a space or the line's end, at the line's indentation.
function isSequenceItem(start: number): boolean {
  const at = start + lineIndent;
  return code(at) === DASH && isBreakOrSpace(code(at + 1));
}

/** Only spaces and then a comment (after a space) or the line's end from `at`; gives up otherwise. */
function restOfLineIsEmpty(at: number): void {
  let i = at;
  while (code(i) === SPACE) i++;
  const c = code(i);
  if (isLineEnd(c)) return;
  if (c === HASH && i > at) return;
  throw GIVE_UP;
}

// Keys seen before, as V8's own property-name string (internalized), or null for a key that does
// not read as itself: "y" reads as true, "1" as a number, and such keys are js-yaml's to read.
// V8 looks a property up by an internalized key directly; a sliced key is first found in its
// string table, on every lookup. Object.keys gives the internalized string.
const knownKeys = new Map<string, string | null>();

// The last key read of each length, first and last character (hashed into a slot): a key that
// repeats one is matched in the text, without a slice and a Map lookup.
const recentKeys: Array<string | undefined> = new Array<string | undefined>(4096).fill(undefined);

/** The key text[from, to) as checkedKey gives it. */
function keyBetween(from: number, to: number): string {
  const slot = ((to - from) * 961 + text.charCodeAt(from) * 31 + text.charCodeAt(to - 1)) & 4095;
  const recent = recentKeys[slot];
  if (recent !== undefined && recent.length === to - from && text.startsWith(recent, from)) return recent;
  const key = checkedKey(text.slice(from, to));
  recentKeys[slot] = key;
  return key;
}

function checkedKey(keyText: string): string {
  let key = knownKeys.get(keyText);
  if (key === undefined) {
    key = keyText !== '__proto__' && resolvePlainScalar(keyText) === keyText ? Object.keys({ [keyText]: 0 })[0] : null;
    if (knownKeys.size < 4096) knownKeys.set(keyText, key);
  }
  if (key === null) throw GIVE_UP;
  return key;
}

/** The end of a `key:` starting at `at` (the position after the colon), or -1 when none starts there. */
function keyEnd(at: number): number {
  let i = at;
  const first = code(i);
  // A key's first character: a letter, a digit or "_" (no indicator, no sign, no dot).
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || (first >= 48 && first <= 57) || first === 95)) return -1;
  while (isPlainKeyChar(code(i))) i++;
  if (code(i) !== COLON || !isBreakOrSpace(code(i + 1))) return -1;
  return i + 1;
}

/**
 * The block mapping whose keys stand at column `column`; its first key starts at `firstKey` (on
 * the current line, after a "- " for a sequence item's mapping). Returns at the first line
 * indented less, or a sequence item at its column (a compact list of the key before).
 */
function readMapping(column: number, firstKey: number): Record<string, unknown> {
  if (++depth > MAX_NESTING) throw GIVE_UP;
  const mapping: Record<string, unknown> = {};
  mark(MAP_MARK);
  mark(column);
  const countAt = markLength;
  mark(0);
  mark(0); // the end
  let count = 0;
  let keyAt = firstKey;
  for (;;) {
    const afterColon = keyEnd(keyAt);
    if (afterColon === -1) throw GIVE_UP;
    const key = keyBetween(keyAt, afterColon - 1);
    if (Object.prototype.hasOwnProperty.call(mapping, key)) throw GIVE_UP;
    mark(markKeys.length);
    markKeys.push(key);
    mark(lineNumber);
    const endLineAt = markLength;
    mark(0);
    mapping[key] = readValue(column, afterColon, true);
    markValues[endLineAt] = readEndLine;
    count++;
    if (lineIndent < column) break;
    if (lineIndent > column || isSequenceItem(lineStart)) throw GIVE_UP;
    keyAt = lineStart + column;
  }
  markValues[countAt] = count;
  markValues[countAt + 1] = markLength;
  depth--;
  return mapping;
}

/** The block sequence whose "-" stand at column `column`, from the current line. */
function readSequence(column: number): unknown[] {
  if (++depth > MAX_NESTING) throw GIVE_UP;
  const values: unknown[] = [];
  mark(SEQ_MARK);
  mark(column);
  const countAt = markLength;
  mark(0);
  mark(0); // the end
  for (;;) {
    mark(lineNumber);
    const endLineAt = markLength;
    mark(0);
    const dash = lineStart + column;
    let at = dash + 1;
    while (code(at) === SPACE) at++;
    const c = code(at);
    if (c === DASH && isBreakOrSpace(code(at + 1))) throw GIVE_UP; // "- - a": js-yaml's
    // A "-" with nothing after it: js-yaml's reading of what follows has quirks (a shallower "-"
    // can join the deeper list), and manifests hardly ever write one.
    if (isLineEnd(c) || c === HASH) throw GIVE_UP;
    if (keyEnd(at) !== -1) {
      values.push(readMapping(at - lineStart, at));
    } else {
      values.push(readValue(column, dash + 1, false));
    }
    markValues[endLineAt] = readEndLine;
    if (lineIndent < column) break;
    if (lineIndent > column) throw GIVE_UP;
    // A mapping entry at the column ends a compact list (`ports:\n- a\nname: x`).
    if (!isSequenceItem(lineStart)) break;
  }
  markValues[countAt] = values.length;
  markValues[countAt + 1] = markLength;
  depth--;
  return values;
}

/**
 * The value after a key's colon or an item's dash (`at`, on the current line), for an entry or
 * item at `column`; leaves the current line at the next one after the value.
 */
function readValue(column: number, at: number, isMappingValue: boolean): unknown {
  const valueLine = lineNumber;
  let i = at;
  while (code(i) === SPACE) i++;
  const c = code(i);
  if (isLineEnd(c) || (c === HASH && i > at)) {
    nextContentLine(lineEndAfter(i), valueLine + 1);
    if (lineIndent > column) {
      const nested = lineIndent;
      return isSequenceItem(lineStart) ? readSequence(nested) : readMapping(nested, lineStart + nested);
    }
    // A mapping's list may stand at the key's own column.
    if (isMappingValue && lineIndent === column && isSequenceItem(lineStart)) return readSequence(column);
    mark(EMPTY_MARK);
    readEndLine = valueLine;
    return null;
  }
  const value = readInlineScalar(i);
  nextContentLine(lineEndAfter(i), valueLine + 1);
  // A deeper line would continue a plain scalar (or be an error after a quoted one).
  if (lineIndent > column) throw GIVE_UP;
  readEndLine = scalarEndLine(valueLine, column);
  mark(LEAF_MARK);
  mark(readEndLine);
  return value;
}

/** A one-line scalar, `[]` or `{}` at `at`, checking that only a comment follows it on the line. */
function readInlineScalar(at: number): unknown {
  const c = code(at);
  if (c === 34) { // "
    let i = at + 1;
    for (let d = code(i); d !== 34; d = code(++i)) {
      if (d === 92 || isLineEnd(d)) throw GIVE_UP; // escapes and multi-line strings: js-yaml's
    }
    restOfLineIsEmpty(i + 1);
    return text.slice(at + 1, i);
  }
  if (c === 39) { // '
    let value = '';
    let from = at + 1;
    let i = from;
    for (;;) {
      const d = code(i);
      if (isLineEnd(d)) throw GIVE_UP;
      if (d === 39) {
        if (code(i + 1) !== 39) break;
        value += text.slice(from, i + 1);
        i += 2;
        from = i;
        continue;
      }
      i++;
    }
    restOfLineIsEmpty(i + 1);
    return value + text.slice(from, i);
  }
  if (c === 91 || c === 123) { // [ {
    if (code(at + 1) !== c + 2) throw GIVE_UP; // only the empty [] and {}
    restOfLineIsEmpty(at + 2);
    return c === 91 ? [] : {};
  }
  return readPlainScalar(at, c);
}

// Characters that start something other than a plain scalar: , [ ] { } # & * ! | > ' " % @ `
function startsOtherNode(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125 || c === HASH || c === 38 || c === 42 || c === 33
    || c === 124 || c === 62 || c === 39 || c === 34 || c === 37 || c === 64 || c === 96;
}

function readPlainScalar(at: number, first: number): unknown {
  if (startsOtherNode(first)) throw GIVE_UP;
  // "- ", ": " start a sequence entry or a value; "?" (a complex key as "? ") is left to js-yaml
  // even as "?x", as outlineDocument leaves it to the Document API.
  if (first === 63 || ((first === DASH || first === COLON) && isBreakOrSpace(code(at + 1)))) throw GIVE_UP;
  let end = at; // after the last non-space character
  let i = at;
  for (let c = first; !isLineEnd(c); c = code(++i)) {
    if (c === SPACE) continue;
    if (c === HASH && code(i - 1) === SPACE) break;
    if (c === COLON && isBreakOrSpace(code(i + 1))) throw GIVE_UP; // a mapping on the line: js-yaml's
    end = i + 1;
  }
  return resolvePlainScalar(text.slice(at, end));
}
