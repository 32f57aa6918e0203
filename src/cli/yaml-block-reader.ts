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
// It also gives the document's outline (outline-marks.ts), the structure the writer splices
// into: the same reading yields both, so they cannot disagree, and the writer's own outline pass
// (a third of `-o yaml`'s write) is saved. The test checks it equals the outliner's
// (yaml-outline.ts) on every document read.
//
// One BlockReader reads the documents of one file, in order, into that file's OutlineMarks; all
// of its state is its own.
import { resolvePlainScalar } from './yaml-schema.js';
import { isPlainKeyChar } from './yaml-outline.js';
import { EMPTY_MARK, FLOW_MAP_MARK, FLOW_SEQ_MARK, LEAF_MARK, MAP_MARK, OutlineMarks, SEQ_MARK, lastLineOf } from './outline-marks.js';
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

// END past the text: reading past a string's end (NaN) makes V8 compile every read of it slower.
const END = -1;

/** Whether every character of the text is one the reader reads (a file is checked once, not per document). */
export function hasOnlyReaderCharacters(source: string): boolean {
  return !OUTSIDE_SHAPE_CHARACTER.test(source);
}

/** Reads one document on its own (a test's and a one-off caller's entry). */
export function readBlockDocument(source: string, into: OutlineMarks = new OutlineMarks()): BlockDocument | typeof NOT_READ {
  return new BlockReader(into).read(source, false);
}

export class BlockReader {
  // The document being read, and the next content line (comment and blank lines skipped).
  private text = '';
  /** Where the next content line starts, or text.length at the end. */
  private lineStart = 0;
  /** Its indentation; -1 at the end of the text. */
  private lineIndent = -1;
  /** Its line number (from 0). */
  private lineNumber = 0;
  // The comment lines the last nextContentLine skipped, with their indentation: a comment deeper
  // than a scalar's entry counts as part of the entry in the outline (as the outliner reads it).
  private skippedComments = 0;
  private readonly skippedCommentLines: number[] = [];
  private readonly skippedCommentIndents: number[] = [];
  // How many mappings and lists enclose the one being read: past MAX_NESTING the document goes to
  // the js-yaml route, whose check reports where (yaml-bounds.ts).
  private depth = 0;
  // Keys seen before, as V8's own property-name string (internalized), or null for a key that does
  // not read as itself: "y" reads as true, "1" as a number, and such keys are js-yaml's to read.
  // V8 looks a property up by an internalized key directly; a sliced key is first found in its
  // string table, on every lookup. Object.keys gives the internalized string.
  private readonly knownKeys = new Map<string, string | null>();
  // The last key read of each length, first and last character (hashed into a slot): a key that
  // repeats one is matched in the text, without a slice and a Map lookup.
  private readonly recentKeys: Array<string | undefined> = new Array<string | undefined>(4096).fill(undefined);

  /** `marks`: where the outlines of the documents read are packed, one after another. */
  constructor(private readonly marks: OutlineMarks) {}

  /**
   * The document's value and outline, or NOT_READ when js-yaml must read it.
   * `charactersChecked`: hasOnlyReaderCharacters was true for a text holding this one.
   */
  read(source: string, charactersChecked: boolean): BlockDocument | typeof NOT_READ {
    if (!charactersChecked && OUTSIDE_SHAPE_CHARACTER.test(source)) return NOT_READ;
    const { marks } = this;
    const outlineAt = marks.length;
    const keysAt = marks.keys.length;
    this.text = source;
    this.depth = 0;
    try {
      this.nextContentLine(0, 0);
      if (this.lineIndent === 0 && this.isDocumentMarker(this.lineStart)) {
        this.restOfLineIsEmpty(this.lineStart + 3);
        this.nextContentLine(this.lineEndAfter(this.lineStart), this.lineNumber + 1);
      }
      // A root that is not a mapping at the first column is rare in a manifest: js-yaml's.
      if (this.lineIndent !== 0 || this.isSequenceItem(this.lineStart)) return this.declined(outlineAt, keysAt);
      const value = this.readMapping(0, this.lineStart);
      if (!this.atTextEnd()) return this.declined(outlineAt, keysAt);
      return { value, outlineAt };
    } catch (error) {
      if (error === GIVE_UP) return this.declined(outlineAt, keysAt);
      throw error;
    } finally {
      this.text = '';
    }
  }

  private atTextEnd(): boolean {
    return this.lineIndent === -1;
  }

  // A declined document leaves no marks and no keys.
  private declined(outlineAt: number, keysAt: number): typeof NOT_READ {
    this.marks.length = outlineAt;
    this.marks.keys.length = keysAt;
    return NOT_READ;
  }

  private code(at: number): number {
    return at < this.text.length ? this.text.charCodeAt(at) : END;
  }

  private lineEndAfter(at: number): number {
    const end = this.text.indexOf('\n', at);
    return end === -1 ? this.text.length : end + 1;
  }

  /**
   * Moves to the first line at or after `from` (the start of line `fromLine`) that holds more than
   * a comment, noting the comment lines it skips.
   */
  private nextContentLine(from: number, fromLine: number): void {
    const { text } = this;
    let start = from;
    let line = fromLine;
    this.skippedComments = 0;
    while (start < text.length) {
      let at = start;
      while (this.code(at) === SPACE) at++;
      const c = this.code(at);
      if (c === NEWLINE || c === HASH) {
        if (c === HASH) {
          this.skippedCommentLines[this.skippedComments] = line;
          this.skippedCommentIndents[this.skippedComments++] = at - start;
        }
        start = this.lineEndAfter(at);
        line++;
        continue;
      }
      if (c === END) break;
      this.lineStart = start;
      this.lineIndent = at - start;
      this.lineNumber = line;
      return;
    }
    this.lineStart = text.length;
    this.lineIndent = -1;
    this.lineNumber = line;
  }

  /** The last line of a scalar on `line` for an entry at `column`: deeper comment lines after it count. */
  private scalarEndLine(line: number, column: number): number {
    for (let i = this.skippedComments - 1; i >= 0; i--) {
      if (this.skippedCommentIndents[i] > column) return this.skippedCommentLines[i];
    }
    return line;
  }

  private isDocumentMarker(at: number): boolean {
    return this.code(at) === DASH && this.code(at + 1) === DASH && this.code(at + 2) === DASH && isBreakOrSpace(this.code(at + 3));
  }

  // "-" then a space or the line's end, at the line's indentation.
  private isSequenceItem(start: number): boolean {
    const at = start + this.lineIndent;
    return this.code(at) === DASH && isBreakOrSpace(this.code(at + 1));
  }

  /** Only spaces and then a comment (after a space) or the line's end from `at`; gives up otherwise. */
  private restOfLineIsEmpty(at: number): void {
    let i = at;
    while (this.code(i) === SPACE) i++;
    const c = this.code(i);
    if (isLineEnd(c)) return;
    if (c === HASH && i > at) return;
    throw GIVE_UP;
  }

  /** The key text[from, to) as checkedKey gives it. */
  private keyBetween(from: number, to: number): string {
    const { text } = this;
    const slot = ((to - from) * 961 + text.charCodeAt(from) * 31 + text.charCodeAt(to - 1)) & 4095;
    const recent = this.recentKeys[slot];
    if (recent !== undefined && recent.length === to - from && text.startsWith(recent, from)) return recent;
    const key = this.checkedKey(text.slice(from, to));
    this.recentKeys[slot] = key;
    return key;
  }

  private checkedKey(keyText: string): string {
    let key = this.knownKeys.get(keyText);
    if (key === undefined) {
      key = keyText !== '__proto__' && resolvePlainScalar(keyText) === keyText ? Object.keys({ [keyText]: 0 })[0] : null;
      if (this.knownKeys.size < 4096) this.knownKeys.set(keyText, key);
    }
    if (key === null) throw GIVE_UP;
    return key;
  }

  /** The end of a `key:` starting at `at` (the position after the colon), or -1 when none starts there. */
  private keyEnd(at: number): number {
    let i = at;
    const first = this.code(i);
    // A key's first character: a letter, a digit or "_" (no indicator, no sign, no dot).
    if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || (first >= 48 && first <= 57) || first === 95)) return -1;
    while (isPlainKeyChar(this.code(i))) i++;
    if (this.code(i) !== COLON || !isBreakOrSpace(this.code(i + 1))) return -1;
    return i + 1;
  }

  /**
   * The block mapping whose keys stand at column `column`; its first key starts at `firstKey` (on
   * the current line, after a "- " for a sequence item's mapping). Returns at the first line
   * indented less, or a sequence item at its column (a compact list of the key before).
   */
  private readMapping(column: number, firstKey: number): Record<string, unknown> {
    if (++this.depth > MAX_NESTING) throw GIVE_UP;
    const { marks } = this;
    const mapping: Record<string, unknown> = {};
    const at = marks.open(MAP_MARK, column);
    let count = 0;
    let lastLine = 0;
    let keyAt = firstKey;
    for (;;) {
      const afterColon = this.keyEnd(keyAt);
      if (afterColon === -1) throw GIVE_UP;
      const key = this.keyBetween(keyAt, afterColon - 1);
      if (Object.prototype.hasOwnProperty.call(mapping, key)) throw GIVE_UP;
      const keyLine = this.lineNumber;
      marks.key(key);
      marks.push(keyLine);
      const lastLineAt = marks.length;
      marks.push(0);
      const valueAt = marks.length;
      mapping[key] = this.readValue(column, afterColon, true);
      lastLine = lastLineOf(marks.values, valueAt, keyLine);
      marks.values[lastLineAt] = lastLine;
      count++;
      if (this.lineIndent < column) break;
      if (this.lineIndent > column || this.isSequenceItem(this.lineStart)) throw GIVE_UP;
      keyAt = this.lineStart + column;
    }
    marks.close(at, count, lastLine);
    this.depth--;
    return mapping;
  }

  /** The block sequence whose "-" stand at column `column`, from the current line. */
  private readSequence(column: number): unknown[] {
    if (++this.depth > MAX_NESTING) throw GIVE_UP;
    const { marks } = this;
    const values: unknown[] = [];
    const at = marks.open(SEQ_MARK, column);
    let lastLine = 0;
    for (;;) {
      const itemLine = this.lineNumber;
      marks.push(itemLine);
      const lastLineAt = marks.length;
      marks.push(0);
      const valueAt = marks.length;
      const dash = this.lineStart + column;
      let i = dash + 1;
      while (this.code(i) === SPACE) i++;
      const c = this.code(i);
      if (c === DASH && isBreakOrSpace(this.code(i + 1))) throw GIVE_UP; // "- - a": js-yaml's
      // A "-" with nothing after it: js-yaml's reading of what follows has quirks (a shallower "-"
      // can join the deeper list), and manifests hardly ever write one.
      if (isLineEnd(c) || c === HASH) throw GIVE_UP;
      if (this.keyEnd(i) !== -1) {
        values.push(this.readMapping(i - this.lineStart, i));
      } else {
        values.push(this.readValue(column, dash + 1, false));
      }
      lastLine = lastLineOf(marks.values, valueAt, itemLine);
      marks.values[lastLineAt] = lastLine;
      if (this.lineIndent < column) break;
      if (this.lineIndent > column) throw GIVE_UP;
      // A mapping entry at the column ends a compact list (`ports:\n- a\nname: x`).
      if (!this.isSequenceItem(this.lineStart)) break;
    }
    marks.close(at, values.length, lastLine);
    this.depth--;
    return values;
  }

  /**
   * The value after a key's colon or an item's dash (`at`, on the current line), for an entry or
   * item at `column`; leaves the current line at the next one after the value.
   */
  private readValue(column: number, at: number, isMappingValue: boolean): unknown {
    const valueLine = this.lineNumber;
    let i = at;
    while (this.code(i) === SPACE) i++;
    const c = this.code(i);
    if (isLineEnd(c) || (c === HASH && i > at)) {
      this.nextContentLine(this.lineEndAfter(i), valueLine + 1);
      if (this.lineIndent > column) {
        const nested = this.lineIndent;
        return this.isSequenceItem(this.lineStart) ? this.readSequence(nested) : this.readMapping(nested, this.lineStart + nested);
      }
      // A mapping's list may stand at the key's own column.
      if (isMappingValue && this.lineIndent === column && this.isSequenceItem(this.lineStart)) return this.readSequence(column);
      this.marks.push(EMPTY_MARK);
      return null;
    }
    if (c === 91 || c === 123) return this.readEmptyFlow(i, valueLine, column);
    const value = this.readInlineScalar(i);
    this.nextContentLine(this.lineEndAfter(i), valueLine + 1);
    // A deeper line would continue a plain scalar (or be an error after a quoted one).
    if (this.lineIndent > column) throw GIVE_UP;
    this.marks.push(LEAF_MARK);
    this.marks.push(this.scalarEndLine(valueLine, column));
    return value;
  }

  /** `[]` or `{}` at `at` (only those): outlined as the flow collections they are, so fields can go inside. */
  private readEmptyFlow(at: number, valueLine: number, column: number): unknown {
    const c = this.code(at);
    if (this.code(at + 1) !== c + 2) throw GIVE_UP;
    this.restOfLineIsEmpty(at + 2);
    this.nextContentLine(this.lineEndAfter(at), valueLine + 1);
    if (this.lineIndent > column) throw GIVE_UP;
    const { marks } = this;
    marks.close(marks.open(c === 91 ? FLOW_SEQ_MARK : FLOW_MAP_MARK, at + 1), 0, valueLine);
    return c === 91 ? [] : {};
  }

  /** A one-line scalar at `at`, checking that only a comment follows it on the line. */
  private readInlineScalar(at: number): unknown {
    const { text } = this;
    const c = this.code(at);
    if (c === 34) { // "
      let i = at + 1;
      for (let d = this.code(i); d !== 34; d = this.code(++i)) {
        if (d === 92 || isLineEnd(d)) throw GIVE_UP; // escapes and multi-line strings: js-yaml's
      }
      this.restOfLineIsEmpty(i + 1);
      return text.slice(at + 1, i);
    }
    if (c === 39) { // '
      let value = '';
      let from = at + 1;
      let i = from;
      for (;;) {
        const d = this.code(i);
        if (isLineEnd(d)) throw GIVE_UP;
        if (d === 39) {
          if (this.code(i + 1) !== 39) break;
          value += text.slice(from, i + 1);
          i += 2;
          from = i;
          continue;
        }
        i++;
      }
      this.restOfLineIsEmpty(i + 1);
      return value + text.slice(from, i);
    }
    return this.readPlainScalar(at, c);
  }

  private readPlainScalar(at: number, first: number): unknown {
    if (startsOtherNode(first)) throw GIVE_UP;
    // "- ", ": " start a sequence entry or a value; "?" (a complex key as "? ") is left to js-yaml
    // even as "?x", as the outliner leaves it to the Document API.
    if (first === 63 || ((first === DASH || first === COLON) && isBreakOrSpace(this.code(at + 1)))) throw GIVE_UP;
    let end = at; // after the last non-space character
    let i = at;
    for (let c = first; !isLineEnd(c); c = this.code(++i)) {
      if (c === SPACE) continue;
      if (c === HASH && this.code(i - 1) === SPACE) break;
      if (c === COLON && isBreakOrSpace(this.code(i + 1))) throw GIVE_UP; // a mapping on the line: js-yaml's
      end = i + 1;
    }
    return resolvePlainScalar(this.text.slice(at, end));
  }
}

function isLineEnd(c: number): boolean {
  return c === NEWLINE || c === END;
}

function isBreakOrSpace(c: number): boolean {
  return c === SPACE || isLineEnd(c);
}

// Characters that start something other than a plain scalar: , [ ] { } # & * ! | > ' " % @ `
function startsOtherNode(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125 || c === HASH || c === 38 || c === 42 || c === 33
    || c === 124 || c === 62 || c === 39 || c === 34 || c === 37 || c === 64 || c === 96;
}
